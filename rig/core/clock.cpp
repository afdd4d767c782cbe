#include "rig/core/clock.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace rig {

std::string format_iso8601(TimePoint t) {
    auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
    auto secs = std::chrono::floor<std::chrono::seconds>(ms);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", secs,
                       static_cast<int>((ms - secs).count()));
}

SteadyClock::SteadyClock()
    : wall_anchor_(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now())),
      steady_anchor_(std::chrono::steady_clock::now()) {}

TimePoint SteadyClock::now() const {
    return wall_anchor_ + std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - steady_anchor_);
}

Status SteadyClock::sleep_until(TimePoint t, std::stop_token stop) {
    auto deadline = steady_anchor_ + (t - wall_anchor_);
    std::unique_lock lock(m_);
    // wait_until with a stop_token returns early (true) only if stop was requested.
    cv_.wait_until(lock, stop, deadline, [] { return false; });
    if (stop.stop_requested()) return Status(Code::cancelled, "sleep cancelled");
    return Status::ok();
}

VirtualClock::VirtualClock(TimePoint epoch) : now_(epoch) {}

TimePoint VirtualClock::now() const {
    std::lock_guard lock(m_);
    return now_;
}

Status VirtualClock::sleep_until(TimePoint t, std::stop_token stop) {
    if (stop.stop_requested()) return Status(Code::cancelled, "sleep cancelled");
    return advance_to(t);
}

Status VirtualClock::advance_to(TimePoint t) {
    std::vector<AdvanceHook> hooks;
    {
        std::lock_guard lock(m_);
        if (t <= now_) return Status::ok();
        now_ = t;
        hooks = hooks_;
    }
    for (auto& h : hooks) RIG_TRY(h(t));
    return Status::ok();
}

void VirtualClock::on_advance(AdvanceHook hook) {
    std::lock_guard lock(m_);
    hooks_.push_back(std::move(hook));
}

}  // namespace rig
