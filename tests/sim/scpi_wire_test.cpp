// The SCPI twins (B+ supply and meter) over TCP with a plain socket client.
#include "bench_helper.hpp"
#include "sim/settings.hpp"

namespace rig::sim::test {
namespace {

class Scpi : public ::testing::Test {
protected:
    Bench b{"virtual.toml"};
};

TEST_F(Scpi, supply_identifies_sets_and_measures) {
    ScpiClient psu(b.conn("psu"));
    EXPECT_EQ(psu.query("*IDN?"), "JK-RIG,PSU-120,PSU120-0001,1.0");
    psu.send("VOLT 48,(@1)");
    psu.send("CURR 0.5,(@1)");
    psu.send("OUTP ON,(@1)");
    EXPECT_NEAR(num(psu.query("MEAS:VOLT? (@1)")), 48.0, 0.01);
    EXPECT_NEAR(num(psu.query("VOLT? (@1)")), 48.0, 1e-9);
    EXPECT_GE(num(psu.query("MEAS:CURR? (@1)")), 0.0);
    EXPECT_EQ(psu.query("SYST:ERR?"), "+0,\"No error\"");
}

TEST_F(Scpi, out_of_range_and_unknown_commands_are_queued_errors) {
    ScpiClient psu(b.conn("psu"));
    psu.send("VOLT 12");
    psu.send("VOLT 130");  // above the model's 120 V
    psu.send("FROB 1");
    EXPECT_EQ(psu.query("SYST:ERR?"), "-222,\"Data out of range\"");
    EXPECT_EQ(psu.query("SYST:ERR?"), "-113,\"Undefined header\"");
    EXPECT_EQ(psu.query("SYST:ERR?"), "+0,\"No error\"");
    EXPECT_NEAR(num(psu.query("VOLT?")), 12.0, 1e-9) << "a refused value changes nothing";
}

TEST_F(Scpi, meter_reads_bplus_current_and_voltage_through_the_relay) {
    ScpiClient psu(b.conn("psu")), dmm(b.conn("dmm"));
    EXPECT_EQ(dmm.query("*IDN?"), "JK-RIG,DMM-6,DMM6-0001,1.0");
    psu.send("VOLT 48");
    psu.send("OUTP ON");
    ASSERT_EQ(psu.query("*OPC?"), "1");  // the supply is on before the meter looks
    EXPECT_NEAR(num(dmm.query("MEAS:VOLT:DC?")), 0.0, 1e-3) << "B+ relay open";
    // Close the B+ relay (relay_map bplus = 0) over the relay board's wire.
    ModbusCtx rly(b.conn("rly"));
    ASSERT_EQ(modbus_write_bit(rly, 0, 1), 1);
    EXPECT_NEAR(num(dmm.query("MEAS:VOLT:DC? 100")), 48.0, 48.0 * 0.0035e-2 + 100 * 0.0005e-2);
    dmm.send("CONF:CURR:DC 1");
    dmm.send("SENS:CURR:DC:NPLC 10");
    EXPECT_GE(num(dmm.query("READ?")), -1e-3);
    EXPECT_EQ(dmm.query("SYST:ERR?"), "+0,\"No error\"");
    dmm.send("SENS:VOLT:DC:NPLC 1000");
    EXPECT_EQ(dmm.query("SYST:ERR?"), "-222,\"Data out of range\"");
}

TEST_F(Scpi, corrupt_pct_100_answers_a_garbage_line) {
    b.set("meter.corrupt_pct", "100");  // by role: the meter's id is "dmm"
    ScpiClient dmm(b.conn("dmm"));
    auto l = dmm.query("*IDN?");
    EXPECT_FALSE(l.empty());
    EXPECT_EQ(l.find("JK-RIG"), std::string::npos);
    EXPECT_FALSE(parse_number(l).is_ok());
}

TEST_F(Scpi, no_reply_then_cleared) {
    b.set("meter.no_reply", "true");
    ScpiClient dmm(b.conn("dmm"));
    dmm.send("*IDN?");
    EXPECT_FALSE(dmm.line(300).has_value());
    b.set("meter.no_reply", "false");
    EXPECT_EQ(dmm.query("*IDN?"), "JK-RIG,DMM-6,DMM6-0001,1.0");
}

TEST_F(Scpi, delay_ms_holds_the_reply_back) {
    b.set("supply.delay_ms", "500");
    ScpiClient psu(b.conn("psu"));
    psu.send("*IDN?");
    EXPECT_FALSE(psu.line(100).has_value()) << "not yet";
    EXPECT_EQ(psu.line(10000).value_or("<timeout>"), "JK-RIG,PSU-120,PSU120-0001,1.0");
}

TEST_F(Scpi, disconnect_after_s_closes_the_connection) {
    b.set("supply.disconnect_after_s", "0.2");
    ScpiClient psu(b.conn("psu"));
    EXPECT_EQ(psu.line(10000).value_or("<timeout>"), "<closed>");
}

TEST_F(Scpi, stuck_output_supply_acknowledges_but_does_not_follow) {
    ScpiClient psu(b.conn("psu"));
    psu.send("VOLT 24");
    psu.send("OUTP ON");
    ASSERT_EQ(psu.query("*OPC?"), "1");  // the settings above have landed
    b.set("supply.stuck_output", "true");
    psu.send("VOLT 60");
    EXPECT_NEAR(num(psu.query("VOLT?")), 60.0, 1e-9);
    EXPECT_NEAR(num(psu.query("MEAS:VOLT?")), 24.0, 0.01);
}

}  // namespace
}  // namespace rig::sim::test
