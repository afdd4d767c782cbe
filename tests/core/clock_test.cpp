#include <gtest/gtest.h>

#include <thread>

#include "rig/core/clock.hpp"

using namespace rig;
using namespace std::chrono_literals;

namespace {
TimePoint epoch() { return TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 25).time_since_epoch()); }
}  // namespace

TEST(VirtualClock, does_not_move_by_itself) {
    VirtualClock c(epoch());
    auto t0 = c.now();
    std::this_thread::sleep_for(2ms);
    EXPECT_EQ(c.now(), t0);
    EXPECT_TRUE(c.is_virtual());
}

TEST(VirtualClock, sleep_advances_exactly_and_at_once) {
    VirtualClock c(epoch());
    auto real0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(c.sleep_for(30s));
    EXPECT_EQ(c.now(), epoch() + 30s);
    ASSERT_TRUE(c.sleep_for(250ms));
    EXPECT_EQ(c.now(), epoch() + 30s + 250ms);
    // 30 virtual seconds must not have been waited for in real time.
    EXPECT_LT(std::chrono::steady_clock::now() - real0, 10s);
}

TEST(VirtualClock, never_moves_backwards) {
    VirtualClock c(epoch());
    ASSERT_TRUE(c.advance_to(epoch() + 5s));
    ASSERT_TRUE(c.sleep_until(epoch() + 1s));
    EXPECT_EQ(c.now(), epoch() + 5s);
}

TEST(VirtualClock, advance_hooks_see_every_new_time_in_order) {
    VirtualClock c(epoch());
    std::vector<TimePoint> seen;
    c.on_advance([&](TimePoint t) {
        seen.push_back(t);
        return Status::ok();
    });
    ASSERT_TRUE(c.sleep_for(1s));
    ASSERT_TRUE(c.sleep_for(2s));
    ASSERT_TRUE(c.sleep_until(epoch()));  // in the past: no hook call
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], epoch() + 1s);
    EXPECT_EQ(seen[1], epoch() + 3s);
}

TEST(VirtualClock, failing_hook_fails_the_sleep) {
    VirtualClock c(epoch());
    c.on_advance([](TimePoint) { return Status(Code::disconnected, "sim control gone"); });
    auto s = c.sleep_for(1s);
    EXPECT_EQ(s.code(), Code::disconnected);
}

TEST(VirtualClock, cancelled_sleep_returns_cancelled) {
    VirtualClock c(epoch());
    std::stop_source stop;
    stop.request_stop();
    EXPECT_EQ(c.sleep_for(1s, stop.get_token()).code(), Code::cancelled);
    EXPECT_EQ(c.now(), epoch());
}

TEST(SteadyClock, sleep_waits_and_stop_wakes_it_early) {
    SteadyClock c;
    EXPECT_FALSE(c.is_virtual());
    auto t0 = c.now();
    ASSERT_TRUE(c.sleep_for(5ms));
    EXPECT_GE(c.now() - t0, 5ms);

    std::stop_source stop;
    std::thread t([&] {
        std::this_thread::sleep_for(20ms);
        stop.request_stop();
    });
    auto s = c.sleep_for(60s, stop.get_token());
    t.join();
    EXPECT_EQ(s.code(), Code::cancelled);
    EXPECT_LT(c.now() - t0, 30s);
}

TEST(Clock, iso8601_has_milliseconds_and_utc) {
    EXPECT_EQ(format_iso8601(epoch() + 1500ms), "2026-11-25T00:00:01.500Z");
}
