// The instrument twins' own state over their real wires: stuck_output on every twin (the
// output stays as it was when the fault was set, the command is read back, clearing it
// makes the output follow), a new unit (RESET) finds every instrument in its power-on state,
// the Riden's OVP/OCP protection, and the meter's NPLC (noise and integration time).
#include <cmath>
#include <numeric>

#include "bench_helper.hpp"
#include "sim/modbus.hpp"
#include "sim/settings.hpp"

namespace rig::sim::test {
namespace {

uint16_t holding(modbus_t* m, int address) {
    uint16_t r = 0xFFFF;
    EXPECT_EQ(modbus_read_registers(m, address, 1, &r), 1) << "register " << address << ": " << modbus_strerror(errno);
    return r;
}

// Supply on at `volts` with the B+ relay closed: what the meter measures.
void bplus_on(Bench& b, double volts) {
    ScpiClient psu(b.conn("psu"));
    psu.send("VOLT " + std::to_string(volts));
    psu.send("OUTP ON");
    ASSERT_EQ(psu.query("*OPC?"), "1");
    ModbusCtx rly(b.conn("rly"));
    ASSERT_EQ(modbus_write_bit(rly, 0, 1), 1);
}

// --- stuck_output, per twin ------------------------------------------------------------------

TEST(StuckOutput, emulator_channels_stay_until_cleared_then_follow_the_last_command) {
    Bench b("virtual.toml");
    ModbusCtx m(b.conn("emu"));
    ASSERT_EQ(modbus_write_register(m, 100, 33000), 1);
    ASSERT_EQ(modbus_write_bit(m, 0, 1), 1);
    b.set("emu.stuck_output", "true");
    ASSERT_EQ(modbus_write_register(m, 100, 20000), 1);
    ASSERT_EQ(modbus_write_bit(m, 1, 1), 1);  // channel 2 on: does not follow either
    EXPECT_EQ(holding(m, 100), 20000) << "the setpoint reads back as commanded";
    uint16_t read[2];
    ASSERT_EQ(modbus_read_input_registers(m, 100, 2, read), 2);
    EXPECT_NEAR(read[0], 33000, 5) << "channel 1 stays at 3.3 V";
    EXPECT_EQ(read[1], 0) << "channel 2 stays off";
    b.set("emu.stuck_output", "false");
    ASSERT_EQ(modbus_read_input_registers(m, 100, 2, read), 2);
    EXPECT_NEAR(read[0], 20000, 5);
    EXPECT_NEAR(read[1], 0, 5) << "channel 2 on at its 0 V setpoint";
}

TEST(StuckOutput, emulator_watchdog_cannot_switch_stuck_outputs_off) {
    Bench b("virtual.toml", /*virtual_time=*/true);
    SimClock clock(b);
    ModbusCtx m(b.conn("emu"));
    ASSERT_EQ(modbus_write_register(m, 100, 30000), 1);
    ASSERT_EQ(modbus_write_bit(m, 0, 1), 1);
    ASSERT_EQ(modbus_write_register(m, 10, 1000), 1);  // watchdog 1 s
    b.set("emu.stuck_output", "true");
    clock.advance(std::chrono::seconds(5));
    uint8_t coil = 1;
    ASSERT_EQ(modbus_read_bits(m, 0, 1, &coil), 1);
    EXPECT_EQ(coil, 0) << "the watchdog fired: the command is off";
    uint16_t v = 0;
    ASSERT_EQ(modbus_read_input_registers(m, 100, 1, &v), 1);
    EXPECT_NEAR(v, 30000, 5) << "the stuck channel still carries 3 V";
}

TEST(StuckOutput, supply_bplus_stays_until_cleared_and_survives_rst) {
    Bench b("virtual.toml");
    bplus_on(b, 24);
    ScpiClient psu(b.conn("psu"));
    b.set("supply.stuck_output", "true");
    psu.send("VOLT 60");
    EXPECT_NEAR(num(psu.query("VOLT?")), 60.0, 1e-9);
    EXPECT_NEAR(num(psu.query("MEAS:VOLT?")), 24.0, 0.01);
    psu.send("*RST");
    EXPECT_EQ(psu.query("OUTP?"), "0");
    EXPECT_NEAR(num(psu.query("MEAS:VOLT?")), 24.0, 0.01) << "*RST does not move a stuck output";
    b.set("supply.stuck_output", "false");
    EXPECT_NEAR(num(psu.query("MEAS:VOLT?")), 0.0, 1e-9) << "cleared: B+ follows the *RST (off)";
}

TEST(StuckOutput, meter_reading_stays_at_its_value_when_set) {
    Bench b("virtual.toml");
    bplus_on(b, 48);
    ScpiClient psu(b.conn("psu")), dmm(b.conn("dmm"));
    b.set("meter.stuck_output", "true");
    psu.send("VOLT 24");
    ASSERT_EQ(psu.query("*OPC?"), "1");
    auto frozen = dmm.query("MEAS:VOLT:DC? 100");
    EXPECT_NEAR(num(frozen), 48.0, 0.01);
    EXPECT_EQ(dmm.query("READ?"), frozen) << "the same reading, noise included";
    b.set("meter.stuck_output", "false");
    EXPECT_NEAR(num(dmm.query("READ?")), 24.0, 0.01);
}

TEST(StuckOutput, relays_stay_until_cleared_then_follow_the_last_command) {
    Bench b("virtual.toml");
    ModbusCtx m(b.conn("rly"));
    ASSERT_EQ(modbus_write_bit(m, 2, 1), 1);
    b.set("relays.stuck_output", "true");
    ASSERT_EQ(modbus_write_bit(m, 2, 0), 1);
    ASSERT_EQ(modbus_write_bit(m, 5, 1), 1);
    uint8_t st[8];
    ASSERT_EQ(modbus_read_bits(m, 0, 8, st), 8);
    EXPECT_EQ(st[2], 1);
    EXPECT_EQ(st[5], 0);
    b.set("relays.stuck_output", "false");
    ASSERT_EQ(modbus_read_bits(m, 0, 8, st), 8);
    EXPECT_EQ(st[2], 0);
    EXPECT_EQ(st[5], 1);
}

TEST(StuckOutput, riden_output_stays_registers_read_back_the_command) {
    Bench b("virtual-riden.toml");
    ModbusCtx m(b.conn("psu"));
    ASSERT_EQ(modbus_write_register(m, 8, 1200), 1);  // 12.00 V
    ASSERT_EQ(modbus_write_register(m, 18, 1), 1);
    b.set("psu.stuck_output", "true");
    ASSERT_EQ(modbus_write_register(m, 8, 3000), 1);
    EXPECT_EQ(holding(m, 8), 3000);
    EXPECT_EQ(holding(m, 10), 1200) << "V out stays at 12 V";
    ASSERT_EQ(modbus_write_register(m, 18, 0), 1);
    EXPECT_EQ(holding(m, 18), 0);
    EXPECT_EQ(holding(m, 10), 1200) << "switched off, still 12 V out";
    b.set("psu.stuck_output", "false");
    EXPECT_EQ(holding(m, 10), 0) << "cleared: follows the last command (off)";
}

TEST(StuckOutput, the_dut_twin_has_no_such_fault_and_says_so) {
    Bench b("virtual.toml");
    for (auto* name : {"stuck_output", "jk.stuck_output", "dut.stuck_output"}) {
        auto s = b.bench->set(name, "true");
        EXPECT_FALSE(s.is_ok()) << name;
        EXPECT_NE(s.message().find("unknown setting \"stuck_output\""), std::string::npos) << s.message();
        EXPECT_NE(s.message().find("no_reply"), std::string::npos) << "lists the known ones: " << s.message();
    }
}

// --- a new unit: every instrument in its power-on state -------------------------------------

TEST(NewUnit, reset_puts_emulator_supply_meter_and_relays_in_their_power_on_state) {
    Bench b("virtual.toml");
    ModbusCtx emu(b.conn("emu")), rly(b.conn("rly"));
    ScpiClient psu(b.conn("psu")), dmm(b.conn("dmm"));
    emulator_cells_on(emu, 3.6);
    ASSERT_EQ(modbus_write_bit(emu, 100 + 4, 1), 1);  // lead 5 open
    ASSERT_EQ(modbus_write_register(emu, 10, 60000), 1);  // watchdog
    psu.send("VOLT 48");
    psu.send("CURR 0.25");
    psu.send("OUTP ON");
    psu.send("BOGUS");  // an error waiting in the queue
    dmm.send("CONF:CURR:DC 1");
    dmm.send("SENS:CURR:DC:NPLC 100");
    dmm.send("BOGUS");
    ASSERT_EQ(dmm.query("*OPC?"), "1");
    ASSERT_EQ(psu.query("*OPC?"), "1");
    ASSERT_EQ(modbus_write_bit(rly, 0, 1), 1);
    ASSERT_EQ(modbus_write_bit(rly, 3, 1), 1);
    b.set("relays.input.0", "false");  // lid opened (a setting: back to closed too)

    ASSERT_TRUE(b.bench->reset_unit(8, false, {}).is_ok());

    uint16_t regs[24];
    ASSERT_EQ(modbus_read_registers(emu, 100, 24, regs), 24);
    for (auto r : regs) EXPECT_EQ(r, 0);
    uint8_t coils[24];
    ASSERT_EQ(modbus_read_bits(emu, 0, 24, coils), 24);
    for (auto c : coils) EXPECT_EQ(c, 0);
    ASSERT_EQ(modbus_read_bits(emu, 100, 24, coils), 24);
    for (auto c : coils) EXPECT_EQ(c, 0);
    EXPECT_EQ(holding(emu, 10), 60000) << "the rig armed the watchdog: a new unit keeps it";
    ASSERT_EQ(modbus_read_input_registers(emu, 100, 24, regs), 24);
    for (auto r : regs) EXPECT_EQ(r, 0);

    EXPECT_NEAR(num(psu.query("VOLT?")), 0.0, 1e-9);
    EXPECT_NEAR(num(psu.query("CURR?")), 0.5, 1e-9);
    EXPECT_EQ(psu.query("OUTP?"), "0");
    EXPECT_NEAR(num(psu.query("MEAS:VOLT?")), 0.0, 1e-9);
    EXPECT_EQ(psu.query("SYST:ERR?"), "+0,\"No error\"");

    EXPECT_EQ(dmm.query("CONF?"), "\"VOLT +1.00000000E+03\"");
    EXPECT_NEAR(num(dmm.query("CURR:DC:NPLC?")), 10.0, 1e-9);
    EXPECT_EQ(dmm.query("SYST:ERR?"), "+0,\"No error\"");

    uint8_t st[8], in[8];
    ASSERT_EQ(modbus_read_bits(rly, 0, 8, st), 8);
    for (auto s : st) EXPECT_EQ(s, 0);
    ASSERT_EQ(modbus_read_input_bits(rly, 0, 8, in), 8);
    EXPECT_EQ(in[0], 1) << "lid closed again";
}

TEST(NewUnit, reset_clears_the_riden_setpoints_and_its_protection) {
    Bench b("virtual-riden.toml");
    ModbusCtx m(b.conn("psu"));
    ASSERT_EQ(modbus_write_register(m, 82, 1000), 1);  // OVP 10 V
    ASSERT_EQ(modbus_write_register(m, 8, 2000), 1);
    ASSERT_EQ(modbus_write_register(m, 18, 1), 1);
    ASSERT_EQ(holding(m, 16), 1) << "OVP tripped";
    ASSERT_TRUE(b.bench->reset_unit(8, false, {}).is_ok());
    uint16_t r[11];
    ASSERT_EQ(modbus_read_registers(m, 8, 11, r), 11);
    EXPECT_EQ(r[0], 0) << "V set";
    EXPECT_EQ(r[1], 50) << "I set 0.50 A";
    EXPECT_EQ(r[2], 0) << "V out";
    EXPECT_EQ(r[8], 0) << "protection";
    EXPECT_EQ(r[10], 0) << "output";
    EXPECT_EQ(holding(m, 82), 6200);
    EXPECT_EQ(holding(m, 83), 1850);
}

// --- Riden OVP / OCP -------------------------------------------------------------------------

TEST(RidenProtection, ovp_switches_the_output_off_and_reads_1_until_the_output_is_switched_on) {
    Bench b("virtual-riden.toml");
    ModbusCtx m(b.conn("psu"));
    ASSERT_EQ(modbus_write_register(m, 82, 2500), 1);  // OVP 25 V
    EXPECT_EQ(holding(m, 82), 2500);
    ASSERT_EQ(modbus_write_register(m, 8, 2400), 1);
    ASSERT_EQ(modbus_write_register(m, 18, 1), 1);
    EXPECT_EQ(holding(m, 16), 0) << "24 V under a 25 V OVP";
    EXPECT_EQ(holding(m, 10), 2400);
    ASSERT_EQ(modbus_write_register(m, 8, 2600), 1);  // above OVP while on
    EXPECT_EQ(holding(m, 16), 1);
    EXPECT_EQ(holding(m, 18), 0);
    EXPECT_EQ(holding(m, 10), 0);
    ASSERT_EQ(modbus_write_register(m, 18, 1), 1);
    EXPECT_EQ(holding(m, 16), 1) << "on again while still above OVP: trips again at once";
    EXPECT_EQ(holding(m, 18), 0);
    ASSERT_EQ(modbus_write_register(m, 8, 2000), 1);
    EXPECT_EQ(holding(m, 16), 1) << "the cause stays until the output is switched on";
    ASSERT_EQ(modbus_write_register(m, 18, 1), 1);
    EXPECT_EQ(holding(m, 16), 0);
    EXPECT_EQ(holding(m, 18), 1);
    EXPECT_EQ(holding(m, 10), 2000);
    uint16_t m0[2];
    ASSERT_EQ(modbus_read_registers(m, 80, 2, m0), 2);
    EXPECT_EQ(m0[0], 2000) << "M0 V is V set";
    EXPECT_EQ(m0[1], 50) << "M0 I is I set";
    EXPECT_EQ(modbus_write_register(m, 82, 6201), -1);
    EXPECT_EQ(errno, EMBXILVAL) << "OVP above 62 V";
}

TEST(RidenProtection, ocp_trips_when_the_dut_draws_more_than_the_limit) {
    Bench b("virtual-riden.toml");
    ModbusCtx emu(b.conn("emu")), rly(b.conn("rly")), m(b.conn("psu"));
    emulator_cells_on(emu, 3.3);
    ASSERT_EQ(modbus_write_bit(rly, 0, 1), 1);  // B+ to the DUT
    ASSERT_EQ(modbus_write_register(m, 8, 2400), 1);
    ASSERT_EQ(modbus_write_register(m, 18, 1), 1);
    // The DUT powers up and draws 600 mW / 24 V = 25 mA: under the default OCP.
    ASSERT_TRUE(eventually([&] { return holding(m, 11) >= 2; })) << "the DUT draws current";
    EXPECT_EQ(holding(m, 16), 0);
    ASSERT_EQ(modbus_write_register(m, 83, 1), 1);  // OCP 10 mA
    EXPECT_TRUE(eventually([&] { return holding(m, 16) == 2; }));
    EXPECT_EQ(holding(m, 18), 0);
    EXPECT_EQ(holding(m, 11), 0);
}

// --- meter NPLC ------------------------------------------------------------------------------

double spread(ScpiClient& dmm, int n) {
    std::vector<double> r;
    for (int i = 0; i < n; ++i) r.push_back(num(dmm.query("READ?")));
    double mean = std::accumulate(r.begin(), r.end(), 0.0) / n;
    double ss = 0;
    for (double x : r) ss += (x - mean) * (x - mean);
    return std::sqrt(ss / (n - 1));
}

TEST(MeterNplc, is_kept_per_function_rounded_up_to_a_supported_value_and_reset_by_rst) {
    Bench b("virtual.toml");
    ScpiClient dmm(b.conn("dmm"));
    EXPECT_NEAR(num(dmm.query("VOLT:DC:NPLC?")), 10.0, 1e-9);
    dmm.send("SENS:VOLT:DC:NPLC 0.5");
    dmm.send("CURR:DC:NPLC MIN");
    EXPECT_NEAR(num(dmm.query("SENS:VOLT:DC:NPLC?")), 1.0, 1e-9) << "0.5 goes up to 1";
    EXPECT_NEAR(num(dmm.query("CURR:DC:NPLC?")), 0.02, 1e-9);
    dmm.send("VOLT:DC:NPLC 101");
    EXPECT_EQ(dmm.query("SYST:ERR?"), "-222,\"Data out of range\"");
    EXPECT_NEAR(num(dmm.query("VOLT:DC:NPLC?")), 1.0, 1e-9) << "a refused value changes nothing";
    dmm.send("*RST");
    EXPECT_NEAR(num(dmm.query("VOLT:DC:NPLC?")), 10.0, 1e-9);
    EXPECT_NEAR(num(dmm.query("CURR:DC:NPLC?")), 10.0, 1e-9);
}

// Virtual time: readings take no time, so 100 NPLC readings are cheap here.
TEST(MeterNplc, more_nplc_averages_the_noise_down_as_one_over_its_square_root) {
    Bench b("virtual.toml", /*virtual_time=*/true, {{"meter.noise_fraction", "1"}});
    bplus_on(b, 48);
    ScpiClient dmm(b.conn("dmm"));
    dmm.send("CONF:VOLT:DC 100");
    dmm.send("VOLT:DC:NPLC 0.2");
    double fast = spread(dmm, 60);
    dmm.send("VOLT:DC:NPLC 100");
    double slow = spread(dmm, 60);
    // Expected ratio sqrt(100 / 0.2) = 22; 60 samples give each spread within ~20 %.
    EXPECT_GT(fast / slow, 12.0) << fast << " vs " << slow;
    EXPECT_LT(fast / slow, 40.0) << fast << " vs " << slow;
    EXPECT_NEAR(num(dmm.query("READ?")), 48.0, 48.0 * 0.0035e-2 + 100 * 0.0005e-2) << "inside the accuracy at 100 NPLC";
}

TEST(MeterNplc, a_reading_takes_its_integration_time_in_real_time) {
    Bench b("virtual.toml");
    ScpiClient dmm(b.conn("dmm"));
    dmm.send("VOLT:DC:NPLC 100");  // 100 / 50 Hz = 2 s
    dmm.send("READ?");
    EXPECT_FALSE(dmm.line(500).has_value()) << "a 2 s integration answered within 0.5 s";
    EXPECT_TRUE(dmm.line(10000).has_value());
}

TEST(MeterNplc, a_reading_takes_no_virtual_time) {
    Bench b("virtual.toml", /*virtual_time=*/true);
    SimClock clock(b);
    ScpiClient dmm(b.conn("dmm"));
    auto t0 = clock.now_ns();
    dmm.send("VOLT:DC:NPLC 100");
    EXPECT_TRUE(parse_number(dmm.query("READ?")).is_ok());
    EXPECT_EQ(clock.now_ns(), t0) << "I/O takes no virtual time (docs/virtual-time.md)";
}

}  // namespace
}  // namespace rig::sim::test
