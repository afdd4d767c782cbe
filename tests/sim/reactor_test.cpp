// The reactor's clock: virtual time moves only through advance_to(), fires due timers in
// order with physics advanced to each timer's time first.
#include <gtest/gtest.h>

#include "sim/reactor.hpp"
#include "sim/world.hpp"

namespace rig::sim {
namespace {

TEST(Reactor, virtual_time_fires_timers_in_order_with_physics_first) {
    TimePoint epoch{std::chrono::seconds(1000)};
    auto r = make_reactor(true, epoch);
    std::vector<std::string> log;
    r->on_advance([&](TimePoint t) { log.push_back("phys " + std::to_string((t - epoch).count() / 1'000'000)); });
    r->call_at(epoch + std::chrono::milliseconds(300), [&] { log.push_back("t300"); });
    r->call_at(epoch + std::chrono::milliseconds(100), [&] { log.push_back("t100"); });
    auto cancelled = r->call_at(epoch + std::chrono::milliseconds(200), [&] { log.push_back("t200"); });
    r->cancel(cancelled);
    ASSERT_TRUE(r->advance_to(epoch + std::chrono::milliseconds(250)).is_ok());
    EXPECT_EQ(r->now(), epoch + std::chrono::milliseconds(250));
    ASSERT_TRUE(r->advance_to(epoch + std::chrono::milliseconds(100)).is_ok());  // the past: no-op
    ASSERT_TRUE(r->advance_to(epoch + std::chrono::seconds(1)).is_ok());
    EXPECT_EQ(log, (std::vector<std::string>{"phys 100", "t100", "phys 250", "phys 300", "t300", "phys 1000"}));
}

TEST(Reactor, real_time_refuses_advance_to) {
    auto r = make_reactor(false, {});
    EXPECT_EQ(r->advance_to(r->now() + std::chrono::seconds(1)).code(), Code::not_supported);
}

TEST(Reactor, real_time_runs_timers_until_stopped) {
    auto r = make_reactor(false, {});
    int fired = 0;
    r->call_at(r->now() + std::chrono::milliseconds(5), [&] { ++fired; });
    r->call_at(r->now() + std::chrono::milliseconds(10), [&] { r->stop(); });
    r->run({});
    EXPECT_EQ(fired, 1);
}

TEST(World, bplus_needs_supply_output_and_relay) {
    World w;
    w.relays.assign(8, false);
    w.bplus_relay = 0;
    w.supply = {48.0, 0.5, true};
    w.dut_supply_A = {0.0125};
    EXPECT_EQ(w.bplus_V(), 0.0);
    EXPECT_EQ(w.supply_current_A(), 0.0);
    w.relays[0] = true;
    EXPECT_EQ(w.bplus_V(), 48.0);
    EXPECT_DOUBLE_EQ(w.supply_current_A(), 0.0125);
    w.channels.assign(2, {});
    w.channels[0] = {3.3, true, false, -2.0};
    EXPECT_EQ(w.pin_voltage(1), 3.3);
    EXPECT_EQ(w.channel_current_A(1), -2.0);
    w.channels[0].open_lead = true;
    EXPECT_EQ(w.pin_voltage(1), 0.0);
    EXPECT_EQ(w.channel_current_A(1), 0.0);
    EXPECT_EQ(w.pin_voltage(3), 0.0);
}

}  // namespace
}  // namespace rig::sim
