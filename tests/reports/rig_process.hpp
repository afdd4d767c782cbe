// A `rig` child process for the end-to-end tests: started with posix_spawn (no shell), its
// stdout and stderr on one pipe read line by line with a deadline, killable at the moment
// the test chooses. The destructor kills and reaps a child still running, so a failed
// assertion never leaves a rig behind.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace rig::reports::testing {

class RigProcess {
public:
    using Deadline = std::chrono::steady_clock::time_point;

    // Empty `error()` when started.
    explicit RigProcess(const std::vector<std::string>& argv) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error_ = std::string("pipe: ") + std::strerror(errno);
            return;
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        int rc = ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(fds[1]);
        fd_ = fds[0];
        if (rc != 0) {
            error_ = "posix_spawn " + argv[0] + ": " + std::strerror(rc);
            pid_ = -1;
        }
    }
    ~RigProcess() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (fd_ >= 0) ::close(fd_);
    }
    RigProcess(const RigProcess&) = delete;
    RigProcess& operator=(const RigProcess&) = delete;

    const std::string& error() const { return error_; }
    const std::string& output() const { return all_; }  // everything read so far

    // The next whole line (without '\n'), or nullopt at end of output or at the deadline.
    std::optional<std::string> next_line(Deadline deadline) {
        for (;;) {
            if (auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string line = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return line;
            }
            if (eof_ || fd_ < 0) {
                if (buf_.empty()) return std::nullopt;
                std::string rest;
                rest.swap(buf_);
                return rest;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            int n = ::poll(&p, 1, static_cast<int>(left.count()));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) continue;  // deadline re-checked above
            char chunk[4096];
            ssize_t got = ::read(fd_, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                eof_ = true;
                continue;
            }
            buf_.append(chunk, static_cast<std::size_t>(got));
            all_.append(chunk, static_cast<std::size_t>(got));
        }
    }

    void kill9() {
        if (pid_ > 0 && !reaped_) ::kill(pid_, SIGKILL);
    }

    // Waits for the child; the raw wait status (WIFSIGNALED, ...), -1 when not started.
    int wait() {
        if (pid_ <= 0) return -1;
        if (!reaped_) {
            while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
            }
            reaped_ = true;
        }
        return status_;
    }

private:
    pid_t pid_{-1};
    int fd_{-1};
    int status_{0};
    bool reaped_{false}, eof_{false};
    std::string buf_, all_, error_;
};

}  // namespace rig::reports::testing
