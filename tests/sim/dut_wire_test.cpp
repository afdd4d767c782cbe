// Every DUT setting of dut.md's parameter table, one row each, seen from the bench's wires
// only: the cell emulator (Modbus TCP) sets the cells and reads the balancing currents, the
// supply and relays (SCPI, Modbus RTU) power the DUT, the meter reads its supply current,
// and the JK RS485 protocol on the pty reads what it reports. Virtual time, advanced over the
// control port, so seconds of balancer physics cost milliseconds.
#include <algorithm>
#include <cmath>

#include "bench_helper.hpp"
#include "drivers/jk/codec/rs485.hpp"
#include "sim/settings.hpp"

namespace rig::sim::test {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;
using jk::Command;

class DutRig {
public:
    explicit DutRig(Settings s)
        : b_("virtual.toml", /*virtual_time=*/true, std::move(s)), clock_(b_), emu_(b_.conn("emu")),
          rly_(b_.conn("rly")), psu_(b_.conn("psu")), dmm_(b_.conn("dmm")), jk_(b_.conn("jk")) {}

    Bench& bench() { return b_; }
    void wait(double s) { clock_.advance(std::chrono::duration<double>(s)); }

    // Every cell at `volts`, outputs on, B+ at 48 V through the closed B+ and comms relays.
    void power(double volts = 3.3) {
        emulator_cells_on(emu_, volts);
        psu_.send("VOLT 48");
        psu_.send("OUTP ON");
        ASSERT_EQ(psu_.query("*OPC?"), "1");
        ASSERT_EQ(modbus_write_bit(rly_, 0, 1), 1);
        ASSERT_EQ(modbus_write_bit(rly_, 1, 1), 1);
        wait(0.3);  // the next measurement tick powers it up
    }
    void cell(int pin, double volts) {
        ASSERT_EQ(modbus_write_register(emu_, 100 + pin - 1, static_cast<uint16_t>(std::lround(volts * 10000))), 1);
    }
    // What the emulator channel sources (+) or sinks (-), in A.
    double current(int channel) {
        uint16_t raw = 0;
        EXPECT_EQ(modbus_read_input_registers(emu_, 200 + channel - 1, 1, &raw), 1);
        return static_cast<int16_t>(raw) * 0.001;
    }
    double supply_A() { return num(dmm_.query("MEAS:CURR:DC?")); }
    // The DUT's read-all over RS485, or nullopt when it does not answer.
    std::optional<jk::BalancerStatus> read_all() {
        auto reply = ask(Command::read_all, 0);
        if (!reply) return std::nullopt;
        auto d = jk::rs485::decode_read_all(span(*reply));
        EXPECT_TRUE(d.is_ok()) << d.status().describe();
        if (!d) return std::nullopt;
        return d->status;
    }
    std::optional<uint16_t> write(Command c, uint16_t value) {
        auto reply = ask(c, value);
        if (!reply) return std::nullopt;
        auto d = jk::rs485::decode_set_reply(span(*reply));
        EXPECT_TRUE(d.is_ok()) << d.status().describe();
        return d ? std::optional<uint16_t>(d->value) : std::nullopt;
    }

private:
    static std::span<const std::uint8_t> span(const std::string& s) {
        return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
    }
    std::optional<std::string> ask(Command c, uint16_t value) {
        auto req = jk::rs485::encode_request({1, static_cast<std::uint8_t>(c), value});
        // Virtual time: an answer is immediate, so a short wait means "no answer".
        auto reply = jk_.exchange(std::string(req.begin(), req.end()), jk::rs485::kResponseSize, 300);
        if (reply.size() < jk::rs485::kResponseSize) return std::nullopt;
        return reply;
    }

    Bench b_;
    SimClock clock_;
    ModbusCtx emu_, rly_;
    ScpiClient psu_, dmm_;
    RawLine jk_;
};

// Cell 7 above the other 23 (3.3 V) by `delta_V`: the pair 7 (discharged) / 1 (charged).
void pair_7_over_1(DutRig& r, double delta_V, double base_V = 3.3) {
    r.cell(7, base_V + delta_V);
    r.wait(1.0);  // a tick, the 0.5 s start delay, a tick
}

struct Row {
    const char* setting;
    Settings settings;
    std::function<void(DutRig&)> check;
};

const std::vector<Row>& rows() {
    static const std::vector<Row> r = {
        {"cell_offset_mV", {{"cell_offset_mV.5", "4"}},
         [](DutRig& d) {
             d.power();
             auto s = d.read_all();
             ASSERT_TRUE(s);
             EXPECT_EQ(s->cells_mV[4], 3304);
             EXPECT_EQ(s->cells_mV[3], 3300) << "only the cell it names";
         }},
        {"cell_gain_ppm", {{"cell_gain_ppm.3", "1000"}},
         [](DutRig& d) {
             d.power(4.0);
             auto s = d.read_all();
             ASSERT_TRUE(s);
             EXPECT_EQ(s->cells_mV[2], 4004);
             EXPECT_EQ(s->cells_mV[1], 4000);
         }},
        {"cell_noise_mV", {{"cell_noise_mV", "5"}},
         [](DutRig& d) {
             d.power();
             auto s = d.read_all();
             ASSERT_TRUE(s);
             auto [lo, hi] = std::minmax_element(s->cells_mV.begin(), s->cells_mV.end());
             EXPECT_GT(*hi - *lo, 5) << "24 equal cells read with 5 mV noise";
         }},
        {"balance_current_A", {{"balance_current_A", "1.7"}},
         [](DutRig& d) {
             d.power();
             pair_7_over_1(d, 0.1);
             EXPECT_NEAR(d.current(7), 1.7, 0.002);
             EXPECT_NEAR(d.current(1), -1.7 * 0.9, 0.002);
         }},
        {"balance_open_channels", {{"balance_open_channels", "B7"}},
         [](DutRig& d) {
             d.power();
             pair_7_over_1(d, 0.1);
             EXPECT_NEAR(d.current(7), 0.0, 1e-9) << "the open lead carries nothing";
             EXPECT_NEAR(d.current(1), -2.0 * 0.9, 0.002) << "the other lead still does";
         }},
        {"trigger_offset_mV", {{"trigger_offset_mV", "20"}},
         [](DutRig& d) {
             d.power();
             pair_7_over_1(d, 0.020);  // 20 mV: above the 10 mV trigger, under 10 + 20
             EXPECT_NEAR(d.current(7), 0.0, 1e-9);
             auto s = d.read_all();
             ASSERT_TRUE(s);
             EXPECT_EQ(s->trigger_mV, 10) << "it reports the trigger it was given";
             pair_7_over_1(d, 0.040);
             EXPECT_NEAR(d.current(7), 2.0, 0.002);
         }},
        {"start_voltage_ignored", {{"start_voltage_ignored", "true"}},
         [](DutRig& d) {
             d.power(2.8);  // under the 3 V start voltage
             pair_7_over_1(d, 0.1, 2.8);
             EXPECT_NEAR(d.current(7), 2.0, 0.002);
         }},
        {"shutdown_V", {{"shutdown_V", "2.0"}},
         [](DutRig& d) {
             d.power();
             d.cell(1, 2.1);  // under the default 2.2 V, over 2.0 V
             d.wait(0.5);
             EXPECT_TRUE(d.read_all().has_value());
             d.cell(1, 1.95);
             d.wait(0.5);
             EXPECT_FALSE(d.read_all().has_value()) << "shut down under 2.0 V";
         }},
        {"power_on_V", {{"power_on_V", "2.6"}},
         [](DutRig& d) {
             d.power();
             d.cell(1, 1.9);  // shut down
             d.wait(0.5);
             d.cell(1, 2.5);  // over the default 2.4 V, under 2.6 V
             d.wait(0.5);
             EXPECT_FALSE(d.read_all().has_value());
             d.cell(1, 2.7);
             d.wait(0.5);
             EXPECT_TRUE(d.read_all().has_value()) << "powered up over 2.6 V";
         }},
        {"supply_power_mW", {{"supply_power_mW", "1300"}},
         [](DutRig& d) {
             d.power();
             EXPECT_NEAR(d.supply_A(), 1.3 / 48, 1e-5);
         }},
        {"temperature_offset_C", {{"temperature_offset_C", "5"}},
         [](DutRig& d) {
             d.power();
             auto s = d.read_all();
             ASSERT_TRUE(s);
             EXPECT_NEAR(s->temperature_C, 30.0, 0.051) << "25 °C NTC + 5";
         }},
        {"param_write_ignored", {{"param_write_ignored", "true"}},
         [](DutRig& d) {
             d.power();
             EXPECT_EQ(d.write(Command::set_trigger, 20), std::optional<uint16_t>(20)) << "echoes the new value";
             auto s = d.read_all();
             ASSERT_TRUE(s);
             EXPECT_EQ(s->trigger_mV, 10) << "keeps the old one";
         }},
        {"comms_silent", {{"comms_silent", "true"}},
         [](DutRig& d) {
             d.power();
             EXPECT_FALSE(d.read_all().has_value());
             EXPECT_NEAR(d.supply_A(), 0.6 / 48, 1e-5) << "powered, only silent";
         }},
        {"comms_drop_pct", {{"comms_drop_pct", "100"}},
         [](DutRig& d) {
             d.power();
             EXPECT_FALSE(d.write(Command::set_trigger, 20).has_value()) << "the reply is dropped";
             d.bench().set("comms_drop_pct", "0");
             auto s = d.read_all();
             ASSERT_TRUE(s);
             EXPECT_EQ(s->trigger_mV, 20) << "the request itself was heard (unlike comms_silent)";
         }},
        {"measure_period_s", {{"measure_period_s", "2"}},
         [](DutRig& d) {
             d.power();
             d.wait(2.0);
             // Find a measurement tick, then time the next one in 0.1 s steps.
             auto steps_until = [&](uint16_t mV) {
                 for (int n = 1; n <= 40; ++n) {
                     d.wait(0.1);
                     auto s = d.read_all();
                     if (s && s->cells_mV[4] == mV) return n;
                 }
                 return -1;
             };
             d.cell(5, 3.35);
             ASSERT_GT(steps_until(3350), 0);
             d.cell(5, 3.40);
             int n = steps_until(3400);
             EXPECT_GE(n, 19) << "a change shows at the next tick, 2 s later";
             EXPECT_LE(n, 21);
         }},
        {"balance_start_delay_s", {{"balance_start_delay_s", "3"}},
         [](DutRig& d) {
             d.power();
             d.cell(7, 3.4);
             int n = 0;
             while (n < 50 && std::fabs(d.current(7)) < 1.0) {
                 d.wait(0.1);
                 ++n;
             }
             EXPECT_GE(n, 30) << "no current before 3 s";
             EXPECT_LE(n, 33) << "current within a tick after 3 s";
         }},
        {"transfer_efficiency", {{"transfer_efficiency", "0.5"}},
         [](DutRig& d) {
             d.power();
             pair_7_over_1(d, 0.1);
             EXPECT_NEAR(d.current(7), 2.0, 0.002);
             EXPECT_NEAR(d.current(1), -1.0, 0.002);
         }},
        {"off_current_uA", {{"off_current_uA", "200"}},
         [](DutRig& d) {
             d.power();
             d.cell(1, 1.9);  // shutdown: only the off current flows
             d.wait(0.5);
             EXPECT_NEAR(d.supply_A(), 200e-6, 2e-6);
         }},
    };
    return r;
}

class EveryDutSetting : public ::testing::TestWithParam<int> {};

TEST_P(EveryDutSetting, changes_what_the_bench_sees_on_its_wires) {
    auto& row = rows()[static_cast<size_t>(GetParam())];
    Settings s = {{"cell_noise_mV", "0"}};  // exact readings unless the row says otherwise
    for (auto& kv : row.settings) s.push_back(kv);
    DutRig d(s);
    row.check(d);
}

INSTANTIATE_TEST_SUITE_P(DutMd, EveryDutSetting, ::testing::Range(0, static_cast<int>(rows().size())),
                         [](const ::testing::TestParamInfo<int>& i) {
                             return std::string(rows()[static_cast<size_t>(i.param)].setting);
                         });

// The defaults, on the same wires: what each row above departs from.
TEST(DutDefaults, a_good_unit_balances_2A_at_90_percent_and_reports_exact_cells) {
    DutRig d(Settings{{"cell_noise_mV", "0"}});
    d.power();
    auto s = d.read_all();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->cells_mV[4], 3300);
    EXPECT_NEAR(s->temperature_C, 25.0, 0.051);
    EXPECT_NEAR(d.supply_A(), 0.6 / 48, 1e-5);
    pair_7_over_1(d, 0.020);
    EXPECT_NEAR(d.current(7), 2.0, 0.002) << "20 mV is over the 10 mV trigger";
    EXPECT_NEAR(d.current(1), -1.8, 0.002);
}

}  // namespace
}  // namespace rig::sim::test
