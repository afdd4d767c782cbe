// SignalStop: SIGINT/SIGTERM as a stop request, for the `rig` subcommands that energise a
// bench (run, probe --power). Blocks both signals in every thread started after it (the
// virtual bench's too) and turns them into a std::stop_source request from a watcher
// thread, because request_stop() is not async-signal-safe. The command then wakes from its
// waits, puts the bench in its safe state and exits 2.
#pragma once

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <stop_token>
#include <thread>

namespace rig::cli {

class SignalStop {
public:
    SignalStop() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &old_);
        watcher_ = std::jthread([this](std::stop_token st) {
            timespec ts{0, 50'000'000};
            while (!st.stop_requested()) {
                int sig = sigtimedwait(&set_, nullptr, &ts);
                if (sig == SIGINT || sig == SIGTERM) {
                    signal_ = sig;
                    source_.request_stop();
                }
            }
        });
    }
    ~SignalStop() {
        watcher_.request_stop();
        watcher_.join();
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SignalStop(const SignalStop&) = delete;
    SignalStop& operator=(const SignalStop&) = delete;

    std::stop_token token() const { return source_.get_token(); }
    int signal() const { return signal_; }  // 0 when none came

private:
    sigset_t set_{}, old_{};
    std::stop_source source_;
    std::atomic<int> signal_{0};
    std::jthread watcher_;
};

}  // namespace rig::cli
