// The reactor: epoll for descriptors, an ordered map for timers, and a clock that either
// follows the steady clock (real time) or only moves through advance_to() (virtual time).
#include "sim/reactor.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_map>
#include <vector>

#include "rig/core/log.hpp"

namespace rig::sim {
namespace {

class EpollReactor final : public Reactor {
public:
    EpollReactor(bool virtual_time, TimePoint epoch)
        : virtual_(virtual_time),
          wall_anchor_(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now())),
          steady_anchor_(std::chrono::steady_clock::now()),
          vnow_(epoch) {
        epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
        wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (epfd_ < 0 || wakefd_ < 0) {
            rig::log::get("sim")->critical("reactor: epoll/eventfd failed: {}", std::strerror(errno));
            std::abort();
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = wakefd_;
        ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
        last_advanced_ = now();
    }

    ~EpollReactor() override {
        ::close(wakefd_);
        ::close(epfd_);
    }

    TimePoint now() const override {
        if (virtual_) return vnow_;
        return wall_anchor_ +
               std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - steady_anchor_);
    }
    bool is_virtual() const override { return virtual_; }

    void watch(int fd, unsigned events, FdCallback cb) override {
        epoll_event ev{};
        ev.events = ((events & readable) ? EPOLLIN : 0u) | ((events & writable) ? EPOLLOUT : 0u);
        ev.data.fd = fd;
        auto entry = std::make_shared<FdCallback>(std::move(cb));
        auto it = fds_.find(fd);
        if (it != fds_.end()) {
            it->second = std::move(entry);
            if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0)
                rig::log::get("sim")->error("reactor: epoll MOD fd {}: {}", fd, std::strerror(errno));
            return;
        }
        fds_.emplace(fd, std::move(entry));
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0)
            rig::log::get("sim")->error("reactor: epoll ADD fd {}: {}", fd, std::strerror(errno));
    }

    void unwatch(int fd) override {
        if (fds_.erase(fd) == 0) return;
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    }

    TimerId call_at(TimePoint t, TimerCallback cb) override {
        TimerId id = ++next_timer_;
        timers_.emplace(Key{t, id}, std::move(cb));
        timer_times_.emplace(id, t);
        return id;
    }

    void cancel(TimerId id) override {
        auto it = timer_times_.find(id);
        if (it == timer_times_.end()) return;
        timers_.erase(Key{it->second, id});
        timer_times_.erase(it);
    }

    void on_advance(AdvanceCallback cb) override { advance_.push_back(std::move(cb)); }

    Status advance_to(TimePoint t) override {
        if (!virtual_) return Status(Code::not_supported, "advance_to: the reactor runs in real time");
        if (t <= vnow_) return Status::ok();
        // Step from timer to timer so every timer sees physics advanced exactly to its time.
        while (!timers_.empty() && timers_.begin()->first.t <= t) {
            auto due = timers_.begin()->first.t;
            if (due > vnow_) vnow_ = due;
            advance_models(vnow_);
            fire_due_timers(vnow_);
        }
        vnow_ = t;
        advance_models(vnow_);
        return Status::ok();
    }

    void run(std::stop_token stop) override {
        stopped_ = false;
        std::stop_callback on_stop(stop, [this] { wake(); });
        std::vector<epoll_event> events(64);
        while (!stop.stop_requested() && !stopped_) {
            int timeout_ms = -1;
            if (!virtual_ && !timers_.empty()) {
                auto wait = timers_.begin()->first.t - now();
                timeout_ms = wait.count() <= 0
                                 ? 0
                                 : static_cast<int>(std::min<long long>(
                                       (wait.count() + 999'999) / 1'000'000, 60'000));
            }
            int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
            if (n < 0) {
                if (errno == EINTR) continue;
                rig::log::get("sim")->error("reactor: epoll_wait: {}", std::strerror(errno));
                break;
            }
            if (!virtual_) advance_models(now());
            for (int i = 0; i < n; ++i) {
                int fd = events[static_cast<size_t>(i)].data.fd;
                if (fd == wakefd_) {
                    std::uint64_t v;
                    while (::read(wakefd_, &v, sizeof v) > 0) {}
                    continue;
                }
                auto it = fds_.find(fd);
                if (it == fds_.end()) continue;  // unwatched by an earlier callback of this batch
                auto cb = it->second;            // keeps the callback alive if it unwatches itself
                unsigned e = events[static_cast<size_t>(i)].events;
                unsigned what = ((e & EPOLLIN) ? readable : 0u) | ((e & EPOLLOUT) ? writable : 0u) |
                                ((e & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ? hangup : 0u);
                (*cb)(what);
            }
            if (!virtual_) {
                auto t = now();
                advance_models(t);
                fire_due_timers(t);
            }
        }
    }

    void stop() override {
        stopped_ = true;
        wake();
    }

private:
    struct Key {
        TimePoint t;
        TimerId id;
        bool operator<(const Key& o) const { return t != o.t ? t < o.t : id < o.id; }
    };

    void wake() {
        std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wakefd_, &one, sizeof one);
    }

    void advance_models(TimePoint t) {
        if (t <= last_advanced_) return;
        last_advanced_ = t;
        for (size_t i = 0; i < advance_.size(); ++i) advance_[i](t);
    }

    void fire_due_timers(TimePoint t) {
        while (!timers_.empty() && timers_.begin()->first.t <= t) {
            auto node = timers_.extract(timers_.begin());
            timer_times_.erase(node.key().id);
            node.mapped()();
        }
    }

    bool virtual_;
    TimePoint wall_anchor_;
    std::chrono::steady_clock::time_point steady_anchor_;
    TimePoint vnow_;
    TimePoint last_advanced_{};
    int epfd_{-1};
    int wakefd_{-1};
    std::atomic<bool> stopped_{false};
    std::unordered_map<int, std::shared_ptr<FdCallback>> fds_;
    std::map<Key, TimerCallback> timers_;
    std::unordered_map<TimerId, TimePoint> timer_times_;
    TimerId next_timer_{0};
    std::vector<AdvanceCallback> advance_;
};

}  // namespace

std::unique_ptr<Reactor> make_reactor(bool virtual_time, TimePoint epoch) {
    return std::make_unique<EpollReactor>(virtual_time, epoch);
}

}  // namespace rig::sim
