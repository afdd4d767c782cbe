// Clock: the only source of time for the sequencer and the twins (principle 5, time is a
// parameter). SteadyClock is real time; VirtualClock only moves when someone sleeps on it,
// so a plan that waits 30 s of physics runs in microseconds, with the same verdicts.
//
// Time points are wall-clock based (sys_time, ns) so records can carry them directly; a
// SteadyClock anchors the wall time once at construction and then advances with
// steady_clock, so it never jumps when NTP adjusts the system clock mid-run.
//
// Sleeping can be cancelled through a std::stop_token (SIGTERM, operator abort): a
// cancelled sleep returns Code::cancelled at once.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <condition_variable>
#include <stop_token>
#include <vector>

#include "rig/core/status.hpp"

namespace rig {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::sys_time<std::chrono::nanoseconds>;

// ISO 8601 UTC with milliseconds: "2026-11-25T12:00:00.123Z".
std::string format_iso8601(TimePoint t);

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // Waits until `t`. Returns ok, cancelled (stop requested), or the error of whatever
    // keeps time in step (a virtual clock's advance hooks).
    virtual Status sleep_until(TimePoint t, std::stop_token stop = {}) = 0;
    Status sleep_for(Duration d, std::stop_token stop = {}) { return sleep_until(now() + d, std::move(stop)); }
    virtual bool is_virtual() const = 0;
};

class SteadyClock final : public Clock {
public:
    SteadyClock();
    TimePoint now() const override;
    Status sleep_until(TimePoint t, std::stop_token stop = {}) override;
    bool is_virtual() const override { return false; }

private:
    TimePoint wall_anchor_;
    std::chrono::steady_clock::time_point steady_anchor_;
    std::mutex m_;
    std::condition_variable_any cv_;
};

// Starts at `epoch` and advances only in sleep_until()/advance_to(). Advance hooks run on
// every advance, in order; the virtual bench registers one that moves the twins' clock
// across the wire before the sleep returns, so every reading after a sleep sees the new time.
class VirtualClock final : public Clock {
public:
    using AdvanceHook = std::function<Status(TimePoint)>;

    explicit VirtualClock(TimePoint epoch);
    TimePoint now() const override;
    Status sleep_until(TimePoint t, std::stop_token stop = {}) override;
    bool is_virtual() const override { return true; }

    Status advance_to(TimePoint t);  // never moves backwards; a past t is a no-op
    void on_advance(AdvanceHook hook);

private:
    mutable std::mutex m_;
    TimePoint now_;
    std::vector<AdvanceHook> hooks_;
};

}  // namespace rig
