#include "sim/io.hpp"

#include <fcntl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rig/core/log.hpp"

namespace rig::sim {

WireTimer::WireTimer(Reactor& reactor) : reactor_(reactor), alive_(std::make_shared<bool>(true)) {
    fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd_ < 0) rig::log::get("sim")->error("timerfd_create: {}", std::strerror(errno));
}

WireTimer::~WireTimer() {
    *alive_ = false;
    if (fd_ >= 0) {
        reactor_.unwatch(fd_);
        ::close(fd_);
    }
}

void WireTimer::arm(std::chrono::nanoseconds after, std::function<void()> cb) {
    if (fd_ < 0) return;
    cb_ = std::move(cb);
    if (after.count() <= 0) after = std::chrono::nanoseconds(1);  // 0 would disarm
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(after.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(after.count() % 1'000'000'000);
    ::timerfd_settime(fd_, 0, &spec, nullptr);
    if (!armed_) {
        armed_ = true;
        reactor_.watch(fd_, readable, [this, alive = alive_](unsigned) {
            std::uint64_t n;
            if (::read(fd_, &n, sizeof n) != sizeof n) return;  // re-armed meanwhile
            reactor_.unwatch(fd_);
            armed_ = false;
            auto cb = std::move(cb_);
            cb_ = nullptr;
            if (cb) cb();
            (void)alive;
        });
    }
}

void WireTimer::disarm() {
    if (!armed_) return;
    itimerspec spec{};
    ::timerfd_settime(fd_, 0, &spec, nullptr);
    reactor_.unwatch(fd_);
    armed_ = false;
    cb_ = nullptr;
}

Stream::Stream(Reactor& reactor, int fd, std::string peer)
    : reactor_(reactor), fd_(fd), peer_(std::move(peer)), hold_timer_(reactor),
      alive_(std::make_shared<bool>(true)) {
    int flags = ::fcntl(fd_, F_GETFL);
    ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
    update_watch();
}

Stream::~Stream() {
    *alive_ = false;
    close();
}

void Stream::close() {
    if (fd_ < 0) return;
    reactor_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
    out_.clear();
    held_.clear();
    hold_timer_.disarm();
}

void Stream::discard_output() {
    out_.clear();
    held_.clear();
    hold_timer_.disarm();
    update_watch();
}

void Stream::update_watch() {
    if (fd_ < 0) return;
    want_write_ = !out_.empty();
    reactor_.watch(fd_, readable | (want_write_ ? writable : 0u), [this](unsigned e) { on_events(e); });
}

void Stream::send(std::string bytes, std::chrono::nanoseconds hold) {
    if (fd_ < 0 || bytes.empty()) return;
    if (hold.count() <= 0 && held_.empty()) {
        out_ += bytes;
        flush();
        return;
    }
    auto at = std::chrono::steady_clock::now() + hold;
    if (!held_.empty() && at < held_.back().at) at = held_.back().at;  // keep send order
    held_.push_back({at, std::move(bytes)});
    if (held_.size() == 1) release_due();
}

void Stream::release_due() {
    auto now = std::chrono::steady_clock::now();
    bool moved = false;
    while (!held_.empty() && held_.front().at <= now) {
        out_ += held_.front().bytes;
        held_.pop_front();
        moved = true;
    }
    if (!held_.empty())
        hold_timer_.arm(held_.front().at - now, [this] { release_due(); });
    if (moved) flush();
}

void Stream::flush() {
    while (fd_ >= 0 && !out_.empty()) {
        auto n = ::write(fd_, out_.data(), out_.size());
        if (n > 0) {
            out_.erase(0, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        fail();
        return;
    }
    if (fd_ >= 0 && want_write_ != !out_.empty()) update_watch();
}

void Stream::fail() {
    auto alive = alive_;
    close();
    if (on_close_) on_close_();
    (void)alive;
}

void Stream::on_events(unsigned events) {
    auto alive = alive_;
    if (events & writable) {
        flush();
        if (!*alive || fd_ < 0) return;
    }
    if (events & (readable | hangup)) {
        char buf[4096];
        for (;;) {
            auto n = ::read(fd_, buf, sizeof buf);
            if (n > 0) {
                if (on_data_) on_data_(std::string_view(buf, static_cast<size_t>(n)));
                if (!*alive || fd_ < 0) return;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            fail();  // 0 = peer closed; EIO etc.
            return;
        }
    }
}


std::string printable(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    std::string s;
    for (unsigned char c : text) {
        if (c >= 0x20 && c < 0x7f) {
            s += static_cast<char>(c);
        } else {
            static const char* digits = "0123456789ABCDEF";
            s += "\\x";
            s += digits[c >> 4];
            s += digits[c & 15];
        }
    }
    return s;
}

}  // namespace rig::sim
