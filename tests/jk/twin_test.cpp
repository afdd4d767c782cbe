// The JK twin's behaviour model (sim/dut/jk_model.hpp), driven directly on a virtual-time
// reactor and a World: no wire, so every expectation is about physics and state.
#include <gtest/gtest.h>

#include <chrono>
#include <algorithm>
#include <cmath>
#include <memory>

#include "sim/dut/jk_model.hpp"
#include "sim/reactor.hpp"
#include "sim/world.hpp"
#include "socket_world.hpp"

using namespace rig;
using namespace rig::sim;
using namespace rig::sim::dut;
using namespace std::chrono_literals;

namespace {

using rig::testing::power_socket;
using rig::testing::socket24;

// One socket of a virtual bench: 24 emulator channels at 3.300 V, B+ at 48 V.
struct Bench {
    std::unique_ptr<Reactor> reactor = make_reactor(true, TimePoint{});
    World world;
    JkModel dut{socket24(), 0};

    explicit Bench(std::initializer_list<std::pair<const char*, const char*>> settings = {}, bool attach = true) {
        power_socket(world, 3.300);
        for (auto& [k, v] : settings) {
            auto st = dut.set(k, v);
            EXPECT_TRUE(st) << st.describe();
        }
        if (attach) dut.attach(*reactor, world);
    }
    void cell(int ch, double v) { world.channels[static_cast<std::size_t>(ch - 1)].set_V = v; }
    double amps(int ch) const { return world.channel_current_A(ch); }
    void run(Duration d) {
        auto st = reactor->advance_to(reactor->now() + d);
        ASSERT_TRUE(st) << st.describe();
    }
    double supply_W() const { return world.supply_current_A() * world.bplus_V(); }
    // Only `hi` and `lo` carry current; everything else is zero.
    void expect_only(int hi, double hi_A, int lo, double lo_A) const {
        for (int ch = 1; ch <= 24; ++ch) {
            double want = ch == hi ? hi_A : ch == lo ? lo_A : 0.0;
            EXPECT_NEAR(amps(ch), want, 1e-9) << "channel " << ch;
        }
    }
};

// Cell 5 high and cell 9 low by `delta_V` around 3.3 V, the others in between.
void spread(Bench& b, double delta_V, double mid = 3.3) {
    for (int ch = 1; ch <= 24; ++ch) b.cell(ch, mid);
    b.cell(5, mid + delta_V / 2);
    b.cell(9, mid - delta_V / 2);
}

}  // namespace

TEST(JkTwin, powers_up_at_once_when_cell1_and_bplus_are_in_range) {
    Bench b;
    EXPECT_EQ(b.dut.state(), PowerState::on);
    EXPECT_EQ(b.dut.status().detected_cells, 24);
    EXPECT_NEAR(b.dut.status().cells_mV[0], 3300, 2);
}

TEST(JkTwin, balancing_current_is_2A_at_a_50mV_delta) {
    Bench b;
    spread(b, 0.050);
    b.run(2s);
    EXPECT_EQ(b.dut.state(), PowerState::balancing);
    b.expect_only(5, 2.0, 9, -2.0 * 0.9);
    EXPECT_TRUE(b.dut.status().charging);
    EXPECT_EQ(b.dut.status().balance_current_mA, 2000);
}

TEST(JkTwin, balancing_current_is_2A_at_a_1V_delta) {
    Bench b;
    spread(b, 1.0, 3.5);  // 4.0 V and 3.0 V
    b.run(2s);
    b.expect_only(5, 2.0, 9, -1.8);
}

TEST(JkTwin, no_current_while_the_delta_is_under_the_trigger) {
    Bench b;
    spread(b, 0.008);  // 8 mV < 10 mV (noise 0.3 mV)
    b.run(5s);
    EXPECT_EQ(b.dut.state(), PowerState::on);
    b.expect_only(0, 0, 0, 0);
}

TEST(JkTwin, no_current_while_cells_are_below_the_start_voltage) {
    Bench b;
    spread(b, 0.2, 2.8);  // 2.9 V / 2.7 V: large delta, all below 3.0 V
    b.run(5s);
    EXPECT_EQ(b.dut.state(), PowerState::on);
    b.expect_only(0, 0, 0, 0);
}

TEST(JkTwin, start_voltage_ignored_balances_below_the_start_voltage) {
    Bench b({{"start_voltage_ignored", "true"}});
    spread(b, 0.2, 2.8);
    b.run(2s);
    b.expect_only(5, 2.0, 9, -1.8);
}

TEST(JkTwin, balancing_starts_only_after_the_start_delay) {
    Bench b;
    spread(b, 0.050);
    b.run(300ms);  // condition seen at the 0.4 s tick at the latest; start 0.5 s later
    b.expect_only(0, 0, 0, 0);
    b.run(1s);
    b.expect_only(5, 2.0, 9, -1.8);
}

TEST(JkTwin, balancing_stops_when_the_delta_falls_below_the_trigger) {
    Bench b;
    spread(b, 0.050);
    b.run(2s);
    ASSERT_EQ(b.dut.state(), PowerState::balancing);
    spread(b, 0.004);
    b.run(500ms);
    EXPECT_EQ(b.dut.state(), PowerState::on);
    b.expect_only(0, 0, 0, 0);
    EXPECT_EQ(b.dut.status().balance_current_mA, 0);
}

TEST(JkTwin, shuts_down_below_shutdown_V_and_restarts_only_above_power_on_V) {
    Bench b;
    b.cell(1, 2.25);
    b.run(1s);
    EXPECT_TRUE(b.dut.communicating()) << to_string(b.dut.state());
    b.cell(1, 2.15);
    b.run(1s);
    EXPECT_EQ(b.dut.state(), PowerState::shutdown);
    EXPECT_FALSE(b.dut.communicating());
    EXPECT_NEAR(b.world.supply_current_A(), 50e-6, 1e-12);
    b.cell(1, 2.35);  // above shutdown_V, below power_on_V: stays down
    b.run(2s);
    EXPECT_EQ(b.dut.state(), PowerState::shutdown);
    b.cell(1, 2.45);
    b.run(1s);
    EXPECT_TRUE(b.dut.communicating()) << to_string(b.dut.state());
}

TEST(JkTwin, stays_off_until_cell1_exceeds_power_on_V) {
    Bench b({}, false);
    b.cell(1, 2.38);
    b.dut.attach(*b.reactor, b.world);
    b.run(2s);
    EXPECT_EQ(b.dut.state(), PowerState::off);
    b.cell(1, 2.42);
    b.run(1s);
    EXPECT_TRUE(b.dut.communicating()) << to_string(b.dut.state());
}

TEST(JkTwin, stays_off_with_bplus_outside_20_to_100V) {
    Bench b({}, false);
    b.world.supply.set_V = 15.0;
    b.dut.attach(*b.reactor, b.world);
    b.run(1s);
    EXPECT_EQ(b.dut.state(), PowerState::off);
    EXPECT_NEAR(b.world.supply_current_A(), 50e-6, 1e-12);
    b.world.supply.set_V = 20.0;
    b.run(1s);
    EXPECT_EQ(b.dut.state(), PowerState::on);
}

TEST(JkTwin, draws_supply_power_mW_from_bplus_at_every_supply_voltage) {
    for (double v : {20.0, 48.0, 100.0}) {
        Bench b;
        b.world.supply.set_V = v;
        b.run(1s);
        EXPECT_NEAR(b.supply_W(), 0.600, 1e-9) << v << " V";
    }
    Bench off;
    off.world.supply.output = false;
    off.run(1s);
    EXPECT_EQ(off.world.dut_supply_A[0], 0.0);
}

TEST(JkTwin, fault_supply_power_mW_draws_that_power) {
    Bench b({{"supply_power_mW", "1300"}});
    b.run(1s);
    EXPECT_NEAR(b.supply_W(), 1.300, 1e-9);
}

TEST(JkTwin, fault_balance_current_A_gives_that_current) {
    Bench b({{"balance_current_A", "1.7"}});
    spread(b, 0.5, 3.5);
    b.run(2s);
    b.expect_only(5, 1.7, 9, -1.7 * 0.9);
}

TEST(JkTwin, max_balance_current_setting_caps_the_current) {
    Bench b;
    EXPECT_EQ(b.dut.write(jk::Command::set_max_current, 1000), 1000);
    spread(b, 0.5, 3.5);
    b.run(2s);
    b.expect_only(5, 1.0, 9, -0.9);
}

TEST(JkTwin, switch_off_gives_no_current) {
    Bench b;
    spread(b, 0.5, 3.5);
    b.run(2s);
    ASSERT_EQ(b.dut.state(), PowerState::balancing);
    EXPECT_EQ(b.dut.write(jk::Command::set_switch, 0), 0);
    b.expect_only(0, 0, 0, 0);
    b.run(2s);
    EXPECT_EQ(b.dut.state(), PowerState::on);
    b.expect_only(0, 0, 0, 0);
}

TEST(JkTwin, fault_cell_offset_moves_only_that_cell) {
    Bench ref({{"cell_noise_mV", "0"}});
    Bench b({{"cell_noise_mV", "0"}, {"cell_offset_mV.9", "4.5"}});
    for (int k = 0; k < 24; ++k) {
        int diff = b.dut.status().cells_mV[static_cast<std::size_t>(k)] - ref.dut.status().cells_mV[static_cast<std::size_t>(k)];
        if (k == 8)
            EXPECT_EQ(diff, 5) << "3304.5 mV is reported as 3305";
        else
            EXPECT_EQ(diff, 0) << "cell " << k + 1;
    }
}

TEST(JkTwin, fault_cell_gain_grows_with_voltage) {
    Bench b({{"cell_noise_mV", "0"}, {"cell_gain_ppm.3", "1000"}});
    b.cell(3, 4.0);
    b.run(1s);
    EXPECT_EQ(b.dut.status().cells_mV[2], 4004);
    EXPECT_EQ(b.dut.status().cells_mV[3], 3300);
}

TEST(JkTwin, fault_trigger_offset_moves_the_balancing_threshold) {
    Bench normal;
    spread(normal, 0.015);
    normal.run(2s);
    EXPECT_EQ(normal.dut.state(), PowerState::balancing);
    Bench b({{"trigger_offset_mV", "10"}});
    spread(b, 0.015);
    b.run(2s);
    EXPECT_EQ(b.dut.state(), PowerState::on);
    EXPECT_EQ(b.dut.status().trigger_mV, 10) << "the reported trigger stays the stored one";
}

TEST(JkTwin, fault_balance_open_channel_carries_no_current) {
    Bench b({{"balance_open_channels", "B9"}});
    spread(b, 0.5, 3.5);
    b.run(2s);
    EXPECT_EQ(b.dut.state(), PowerState::balancing);
    b.expect_only(5, 2.0, 0, 0.0);
}

TEST(JkTwin, fault_shutdown_V_moves_the_shutdown_threshold) {
    Bench b({{"shutdown_V", "1.9"}});
    b.cell(1, 1.95);
    b.run(1s);
    EXPECT_TRUE(b.dut.communicating()) << to_string(b.dut.state());
    b.cell(1, 1.85);
    b.run(1s);
    EXPECT_EQ(b.dut.state(), PowerState::shutdown);
}

TEST(JkTwin, fault_power_on_V_moves_the_start_threshold) {
    Bench b({{"power_on_V", "2.6"}}, false);
    b.cell(1, 2.55);
    b.dut.attach(*b.reactor, b.world);
    b.run(1s);
    EXPECT_EQ(b.dut.state(), PowerState::off);
    b.cell(1, 2.65);
    b.run(1s);
    EXPECT_TRUE(b.dut.communicating()) << to_string(b.dut.state());
}

TEST(JkTwin, temperature_is_the_ntc_plus_the_offset) {
    Bench b({{"temperature_C", "40"}, {"temperature_offset_C", "5"}});
    EXPECT_DOUBLE_EQ(b.dut.status().temperature_C, 45.0);
}

TEST(JkTwin, out_of_range_writes_echo_the_old_value) {
    Bench b;
    EXPECT_EQ(b.dut.write(jk::Command::set_cell_count, 30), 24);
    EXPECT_EQ(b.dut.write(jk::Command::set_cell_count, 1), 24);
    EXPECT_EQ(b.dut.write(jk::Command::set_trigger, 1), 10);
    EXPECT_EQ(b.dut.write(jk::Command::set_trigger, 1001), 10);
    EXPECT_EQ(b.dut.write(jk::Command::set_max_current, 2001), 2000);
    EXPECT_EQ(b.dut.write(jk::Command::set_max_current, 29), 2000);
    EXPECT_EQ(b.dut.write(jk::Command::set_switch, 2), 1);
    EXPECT_EQ(b.dut.write(jk::Command::set_trigger, 25), 25);
    EXPECT_EQ(b.dut.status().trigger_mV, 25);
}

TEST(JkTwin, fault_param_write_ignored_echoes_new_but_keeps_old) {
    Bench b({{"param_write_ignored", "true"}});
    EXPECT_EQ(b.dut.write(jk::Command::set_trigger, 20), 20);
    b.run(1s);
    EXPECT_EQ(b.dut.status().trigger_mV, 10);
}

TEST(JkTwin, fault_comms_silent_hears_nothing) {
    Bench b({{"comms_silent", "true"}});
    EXPECT_TRUE(b.dut.communicating());
    EXPECT_FALSE(b.dut.hears());
    Bench ok;
    EXPECT_TRUE(ok.dut.hears());
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(ok.dut.drop_reply());
}

TEST(JkTwin, hears_only_while_the_comms_relay_is_closed) {
    auto socket = socket24();
    socket.relay_map["comms"] = 1;
    Bench b({}, false);
    JkModel dut(socket, 0);
    b.world.relays.assign(8, false);
    dut.attach(*b.reactor, b.world);
    EXPECT_TRUE(dut.communicating());
    EXPECT_FALSE(dut.hears());
    b.world.relays[1] = true;
    EXPECT_TRUE(dut.hears());
}

TEST(JkTwin, a_shut_down_unit_hears_nothing) {
    Bench b;
    b.cell(1, 2.0);
    b.run(1s);
    EXPECT_FALSE(b.dut.hears());
}

TEST(JkTwin, fault_comms_drop_pct_drops_about_that_share) {
    Bench b({{"comms_drop_pct", "30"}});
    int dropped = 0;
    for (int i = 0; i < 1000; ++i) dropped += b.dut.drop_reply() ? 1 : 0;
    EXPECT_GT(dropped, 220);
    EXPECT_LT(dropped, 380);
}

TEST(JkTwin, cell_count_alarm_when_detected_differs_from_configured) {
    Bench b;
    b.world.channels[23].output = false;  // B24 not connected
    spread(b, 0.5, 3.5);
    b.world.channels[23].output = false;
    b.run(2s);
    EXPECT_EQ(b.dut.status().detected_cells, 23);
    EXPECT_TRUE(b.dut.status().alarm_cell_count);
    EXPECT_EQ(b.dut.state(), PowerState::on) << "no balancing on a wrong cell count (assumed)";
    EXPECT_EQ(b.dut.write(jk::Command::set_cell_count, 23), 23);
    b.run(2s);
    EXPECT_FALSE(b.dut.status().alarm_cell_count);
    EXPECT_EQ(b.dut.state(), PowerState::balancing);
}

TEST(JkTwin, same_seed_gives_the_same_readings) {
    auto readings = [](std::uint64_t seed) {
        Bench b;
        b.dut.reset(seed, false);
        std::vector<int> v;
        for (int i = 0; i < 10; ++i) {
            b.run(200ms);
            for (auto mV : b.dut.status().cells_mV) v.push_back(mV);
        }
        return v;
    };
    EXPECT_EQ(readings(7), readings(7));
    EXPECT_NE(readings(7), readings(8));
}

TEST(JkTwin, population_draws_good_units_reproducibly) {
    auto draw = [](std::uint64_t seed) {
        Bench b;
        b.dut.reset(seed, true);
        std::vector<double> v;
        for (const char* n : {"shutdown_V", "power_on_V", "balance_current_A", "supply_power_mW", "cell_offset_mV.1",
                              "cell_offset_mV.24", "cell_gain_ppm.7"})
            v.push_back(*b.dut.value(n));
        return v;
    };
    EXPECT_EQ(draw(11), draw(11));
    EXPECT_NE(draw(11), draw(12));
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        auto v = draw(seed);
        EXPECT_GE(v[0], 2.0);
        EXPECT_LE(v[0], 2.4);
        EXPECT_GT(v[1], 2.4);
        EXPECT_LE(v[1], 2.6);
        EXPECT_NEAR(v[2], 2.0, 0.2);
        EXPECT_LE(v[3], 1000.0);
        EXPECT_LE(std::abs(v[4]), 2.0);
        EXPECT_LE(std::abs(v[5]), 2.0);
    }
    Bench plain;
    plain.dut.reset(11, false);
    EXPECT_EQ(*plain.dut.value("shutdown_V"), 2.2);
    EXPECT_EQ(*plain.dut.value("cell_offset_mV.1"), 0.0);
}

TEST(JkTwin, reset_brings_a_new_unit_with_default_settings) {
    Bench b({{"shutdown_V", "1.9"}, {"comms_silent", "true"}, {"no_reply", "true"}});
    EXPECT_EQ(b.dut.write(jk::Command::set_trigger, 30), 30);
    b.dut.reset(1, false);
    b.run(500ms);
    EXPECT_EQ(*b.dut.value("shutdown_V"), 2.2);
    EXPECT_EQ(*b.dut.value("comms_silent"), 0.0);
    EXPECT_EQ(*b.dut.value("no_reply"), 0.0);
    EXPECT_EQ(b.dut.status().trigger_mV, 10);
    EXPECT_EQ(b.dut.state(), PowerState::on);
}

TEST(JkTwin, unknown_setting_is_an_error_listing_the_known_ones) {
    Bench b;
    auto st = b.dut.set("shutdown_volts", "2");
    ASSERT_FALSE(st);
    EXPECT_NE(st.message().find("shutdown_V"), std::string::npos) << st.message();
}

TEST(JkTwin, fault_cell_noise_spreads_the_readings) {
    auto spread_of = [](const char* noise) {
        Bench b({{"cell_noise_mV", noise}});
        int lo = 1 << 30, hi = 0;
        for (int i = 0; i < 50; ++i) {
            b.run(200ms);
            int mV = b.dut.status().cells_mV[3];
            lo = std::min(lo, mV);
            hi = std::max(hi, mV);
        }
        return hi - lo;
    };
    EXPECT_EQ(spread_of("0"), 0);
    EXPECT_GE(spread_of("5"), 10);
}

TEST(JkTwin, transfer_efficiency_scales_only_the_charged_cell) {
    Bench b({{"transfer_efficiency", "0.8"}});
    spread(b, 0.5, 3.5);
    b.run(2s);
    b.expect_only(5, 2.0, 9, -1.6);
}

TEST(JkTwin, off_current_uA_is_drawn_while_shut_down) {
    Bench b({{"off_current_uA", "120"}});
    b.cell(1, 2.0);
    b.run(1s);
    ASSERT_EQ(b.dut.state(), PowerState::shutdown);
    EXPECT_NEAR(b.world.supply_current_A(), 120e-6, 1e-12);
}

TEST(JkTwin, readings_change_only_at_measurement_ticks) {
    Bench b({{"cell_noise_mV", "0"}, {"measure_period_s", "1"}});
    b.run(100ms);
    b.cell(2, 3.5);
    b.run(500ms);
    EXPECT_EQ(b.dut.status().cells_mV[1], 3300) << "no tick since the change";
    b.run(500ms);
    EXPECT_EQ(b.dut.status().cells_mV[1], 3500);
}
