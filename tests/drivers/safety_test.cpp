// Safety and connect checks of the instrument base (instrument.cpp, kinds.cpp), through real
// backends talking to a local fake instrument on a TCP socket that records every line: a
// refused command is proven never to reach the wire. Also the connect-time checks (model
// identity, serial, calibration date), SCPI error queue and garbage replies.
#include <gtest/gtest.h>

#include "drivers/factory.hpp"
#include "drivers/kinds.hpp"
#include "fake_line_server.hpp"

using namespace rig;
using namespace rig::drivers;

namespace {

const std::string kToday = "2026-11-25";

InstrumentSpec spec_for(const std::string& id, InstrumentKind kind, const std::string& model, const std::string& conn) {
    InstrumentSpec s;
    s.id = id;
    s.kind = kind;
    s.model = model;
    s.model_file = std::string(RIG_SOURCE_DIR) + "/drivers/models/" + model + ".toml";
    s.connection_text = conn;
    s.connection = *parse_connection(conn);
    s.timeout = std::chrono::milliseconds(300);
    s.retries = 0;
    s.where = SourcePos{"bench.toml", 12, 1};
    return s;
}

// An E36312A-like supply: answers *IDN?, the error queue and measurements.
struct FakeSupply {
    std::mutex m;  // the replies are changed by the test while the server thread reads them
    std::string idn = "Keysight Technologies,E36312A,MY5900123,1.0.4";
    std::string error = "+0,\"No error\"";
    std::string measure = "+1.20000000E+01";
    void set(std::string& field, std::string value) {
        std::lock_guard l(m);
        field = std::move(value);
    }
    FakeLineServer server{[this](const std::string& l) -> std::optional<std::string> {
        std::lock_guard lock(m);
        if (l == "*IDN?") return idn;
        if (l == "SYST:ERR?") {
            auto e = error;
            error = "+0,\"No error\"";
            return e;
        }
        if (l.starts_with("MEAS:")) return measure;
        return std::nullopt;
    }};
};

std::shared_ptr<Supply> open_supply(FakeSupply& f, InstrumentSpec* out_spec = nullptr,
                                    std::function<void(InstrumentSpec&)> edit = {}) {
    auto spec = spec_for("psu", InstrumentKind::supply, "keysight-e36xx", f.server.address());
    spec.options["channel"] = "2";
    if (edit) edit(spec);
    if (out_spec) *out_spec = spec;
    auto inst = open_instrument(spec);
    EXPECT_TRUE(inst) << inst.status().describe();
    return std::dynamic_pointer_cast<Supply>(*inst);
}

SafeLimits supply_limits() {
    SafeLimits l;
    l.voltage = Range{0, 30};
    l.current = Range{0, 0.5};
    l.where = SourcePos{"bench.toml", 40, 1};
    return l;
}

}  // namespace

TEST(SafeLimits, supply_voltage_above_the_safe_limit_is_refused_before_the_wire) {
    FakeSupply f;
    auto psu = open_supply(f);
    psu->set_safe_limits(supply_limits());
    ASSERT_TRUE(psu->connect(kToday));
    auto before = f.server.count();

    auto s = psu->set_voltage(Volts(31.0));
    EXPECT_EQ(s.code(), Code::refused);
    EXPECT_NE(s.message().find("psu"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("voltage 31.000 V"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("supply safe limit [0.000 V, 30.000 V]"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("bench.toml:40"), std::string::npos) << s.message();

    auto c = psu->set_current_limit(Amps(0.6));
    EXPECT_EQ(c.code(), Code::refused);
    EXPECT_NE(c.message().find("current limit 0.600 A"), std::string::npos) << c.message();
    EXPECT_EQ(f.server.count(), before) << "a refused command must not reach the wire";

    // Inside the limits the command goes out (to channel 2, from the fixture's options).
    ASSERT_TRUE(psu->set_voltage(Volts(12.0)));
    auto lines = f.server.lines();
    ASSERT_GE(lines.size(), before + 2);
    EXPECT_EQ(lines[before], "VOLT 12,(@2)");
    EXPECT_EQ(lines[before + 1], "SYST:ERR?");
}

TEST(SafeLimits, output_on_is_refused_while_the_interlock_is_open_and_off_is_not) {
    FakeSupply f;
    auto psu = open_supply(f);
    ASSERT_TRUE(psu->connect(kToday));
    bool closed = false;
    psu->set_interlock([&]() -> Result<bool> { return closed; });
    auto before = f.server.count();
    auto s = psu->set_output(true);
    EXPECT_EQ(s.code(), Code::interlock_open);
    EXPECT_NE(s.message().find("psu"), std::string::npos);
    EXPECT_EQ(f.server.count(), before);
    ASSERT_TRUE(psu->set_output(false)) << "turning off is always allowed";
    EXPECT_EQ(f.server.lines()[before], "OUTP OFF,(@2)");
    closed = true;
    ASSERT_TRUE(psu->set_output(true));
    EXPECT_EQ(f.server.lines().at(before + 2), "OUTP ON,(@2)");
}

TEST(SafeLimits, an_unreadable_interlock_counts_as_open) {
    FakeSupply f;
    auto psu = open_supply(f);
    ASSERT_TRUE(psu->connect(kToday));
    psu->set_interlock([]() -> Result<bool> { return Status(Code::timeout, "rly: no reply"); });
    auto s = psu->set_output(true);
    EXPECT_EQ(s.code(), Code::interlock_open);
    EXPECT_NE(s.message().find("rly: no reply"), std::string::npos) << s.message();
}

TEST(SafeLimits, cell_setpoints_are_all_checked_before_any_goes_out) {
    // NGI N83624-style ASCII emulator on a fake socket.
    FakeLineServer srv([](const std::string& l) -> std::optional<std::string> {
        if (l == "*IDN?") return "NGI,N83624,N8362400042,V1.2";
        if (l.starts_with("MEAS:VOLT?")) return "3.3001,3.2999";
        if (l.starts_with("MEAS:CURR?")) return "0.0100";
        return std::nullopt;
    });
    auto spec = spec_for("cells", InstrumentKind::cell_emulator, "ngi-n83624", srv.address("tcp"));
    auto inst = open_instrument(spec);
    ASSERT_TRUE(inst) << inst.status().describe();
    auto emu = std::dynamic_pointer_cast<CellEmulator>(*inst);
    ASSERT_TRUE(emu);
    SafeLimits l;
    l.voltage = Range{0, 5};
    l.max_slew = 1.0;
    l.where = SourcePos{"bench.toml", 55, 1};
    emu->set_safe_limits(l);
    ASSERT_TRUE(emu->connect(kToday));
    EXPECT_EQ(emu->identity().serial, "N8362400042");
    auto before = srv.count();

    const ChannelVoltage bad[] = {{1, Volts(3.3)}, {7, Volts(5.2)}};
    auto s = emu->set_voltages(bad);
    EXPECT_EQ(s.code(), Code::refused);
    EXPECT_NE(s.message().find("cells"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("channel 7 voltage 5.200 V outside the cells safe limit [0.000 V, 5.000 V] (bench.toml:55"),
              std::string::npos)
        << s.message();
    const ChannelVoltage good[] = {{1, Volts(0.8)}, {2, Volts(0.8)}};
    ASSERT_TRUE(emu->set_voltages(good));
    ASSERT_TRUE(srv.wait_for_count(before + 1));
    // The next line on the wire after connect is the good command: the refused batch
    // (channel 1's valid setpoint included) never went out.
    EXPECT_EQ(srv.lines().at(before), "SOUR:VOLT 0.8(@1,2)") << "one command for channels at the same voltage";

    const ChannelVoltage jump[] = {{1, Volts(3.3)}};
    auto j = emu->set_voltages(jump);
    EXPECT_EQ(j.code(), Code::refused);
    EXPECT_NE(j.message().find("max_slew"), std::string::npos) << j.message();

    const int chans[] = {1, 2};
    auto v = emu->read_voltages(chans);
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_DOUBLE_EQ((*v)[0].value, 3.3001);
    EXPECT_EQ(srv.lines().back(), "MEAS:VOLT? (@1,2)");
    const int one[] = {3};
    auto c = emu->read_currents(one);
    ASSERT_TRUE(c);
    EXPECT_DOUBLE_EQ((*c)[0].value, 0.01);
    EXPECT_EQ(emu->set_open_lead(3, true).code(), Code::not_supported);
}

TEST(Connect, a_different_model_on_the_wire_is_an_identity_mismatch) {
    FakeSupply f;
    f.set(f.idn, "RIGOL TECHNOLOGIES,DP832,DP8C1234,00.01.14");
    auto psu = open_supply(f);
    auto s = psu->connect(kToday);
    EXPECT_EQ(s.code(), Code::identity_mismatch);
    EXPECT_NE(s.message().find("DP832"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("keysight-e36xx"), std::string::npos) << s.message();
    EXPECT_FALSE(psu->connected());

    auto lax = open_supply(f, nullptr, [](InstrumentSpec& s) { s.require_model = false; });
    EXPECT_TRUE(lax->connect(kToday)) << "require_model = false accepts it";
}

TEST(Connect, a_different_serial_than_the_fixture_requires_is_refused) {
    FakeSupply f;
    auto psu = open_supply(f, nullptr, [](InstrumentSpec& s) { s.serial = "MY5900999"; });
    auto s = psu->connect(kToday);
    EXPECT_EQ(s.code(), Code::identity_mismatch);
    EXPECT_NE(s.message().find("MY5900123"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("MY5900999"), std::string::npos) << s.message();
}

TEST(Connect, an_expired_calibration_is_refused_and_a_current_one_is_not) {
    FakeSupply f;
    auto old = open_supply(f, nullptr, [](InstrumentSpec& s) { s.calibration_due = "2026-11-24"; });
    auto s = old->connect(kToday);
    EXPECT_EQ(s.code(), Code::calibration_expired);
    EXPECT_NE(s.message().find("2026-11-24"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("bench.toml:12"), std::string::npos) << s.message();
    old.reset();
    auto today = open_supply(f, nullptr, [](InstrumentSpec& s) { s.calibration_due = "2026-11-25"; });
    EXPECT_TRUE(today->connect(kToday)) << "due today is still valid";
}

TEST(Scpi, an_instrument_error_after_a_write_is_a_device_error_quoting_command_and_text) {
    FakeSupply f;
    auto psu = open_supply(f);
    ASSERT_TRUE(psu->connect(kToday));
    f.set(f.error, "-222,\"Data out of range\"");
    auto s = psu->set_voltage(Volts(24.0));
    EXPECT_EQ(s.code(), Code::device_error);
    EXPECT_NE(s.message().find("VOLT 24,(@2)"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("Data out of range"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("psu scpi-tcp://127.0.0.1:"), std::string::npos) << s.message();
}

TEST(Scpi, a_garbage_reading_is_a_bad_reply_quoting_it) {
    FakeSupply f;
    auto psu = open_supply(f);
    ASSERT_TRUE(psu->connect(kToday));
    f.set(f.measure, "12.0Vx");
    auto v = psu->measure_voltage();
    ASSERT_FALSE(v);
    EXPECT_EQ(v.status().code(), Code::bad_reply);
    EXPECT_NE(v.status().message().find("\"12.0Vx\""), std::string::npos) << v.status().message();
    EXPECT_NE(v.status().message().find("MEAS:VOLT? (@2)"), std::string::npos) << v.status().message();
}

TEST(Scpi, no_reply_is_a_timeout_naming_the_command) {
    FakeLineServer silent([](const std::string& l) -> std::optional<std::string> {
        if (l == "*IDN?") return "Keysight Technologies,34461A,MY53220001,A.02.14";
        if (l == "SYST:ERR?") return "+0,\"No error\"";
        return std::nullopt;  // READ? never answered
    });
    auto spec = spec_for("dmm", InstrumentKind::meter, "keysight-34461a", silent.address());
    auto inst = open_instrument(spec);
    ASSERT_TRUE(inst);
    auto dmm = std::dynamic_pointer_cast<Meter>(*inst);
    ASSERT_TRUE(dmm->connect(kToday));
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 10.0, 1.0));
    auto r = dmm->read();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::timeout);
    EXPECT_NE(r.status().message().find("dmm scpi-tcp://127.0.0.1:"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("READ?"), std::string::npos) << r.status().message();
    auto lines = silent.lines();
    EXPECT_NE(std::find(lines.begin(), lines.end(), "CONF:VOLT:DC 10"), lines.end());
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SENS:VOLT:DC:NPLC 1"), lines.end());
}

TEST(Meter, uncertainty_comes_from_the_accuracy_table_for_the_configured_range) {
    FakeLineServer srv([](const std::string& l) -> std::optional<std::string> {
        if (l == "*IDN?") return "Keysight Technologies,34461A,MY53220001,A.02.14";
        if (l == "SYST:ERR?") return "+0,\"No error\"";
        return std::nullopt;
    });
    auto inst = open_instrument(spec_for("dmm", InstrumentKind::meter, "keysight-34461a", srv.address()));
    ASSERT_TRUE(inst);
    auto dmm = std::dynamic_pointer_cast<Meter>(*inst);
    ASSERT_TRUE(dmm->connect(kToday));
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 10.0));
    // 10 V range: 0.0035 % of 3.3 V + 0.0005 % of 10 V.
    EXPECT_NEAR(dmm->uncertainty(3.3), 3.3 * 0.0035e-2 + 10 * 0.0005e-2, 1e-12);
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 5.0));  // rounds up to the 10 V range
    EXPECT_NEAR(dmm->uncertainty(3.3), 3.3 * 0.0035e-2 + 10 * 0.0005e-2, 1e-12);
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_amps, std::nullopt));  // auto: the range that holds 25 mA
    EXPECT_NEAR(dmm->uncertainty(0.025), 0.025 * 0.050e-2 + 0.1 * 0.005e-2, 1e-12);
    EXPECT_EQ(srv.lines().back(), "SYST:ERR?");
}

TEST(Factory, a_model_of_another_kind_than_the_fixture_says_is_an_error_naming_both) {
    auto spec = spec_for("psu", InstrumentKind::supply, "keysight-34461a", "scpi-tcp://127.0.0.1:5025");
    auto r = open_instrument(spec);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
    EXPECT_NE(r.status().message().find("is a meter"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("supply"), std::string::npos);
}

TEST(Factory, a_connection_the_protocol_cannot_use_is_an_error) {
    auto spec = spec_for("emu", InstrumentKind::cell_emulator, "rigsim-ce24", "scpi-tcp://127.0.0.1:5025");
    auto r = open_instrument(spec);
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("modbus-tcp://"), std::string::npos) << r.status().message();
}

TEST(Factory, instruments_come_back_created_not_connected) {
    auto spec = spec_for("emu", InstrumentKind::cell_emulator, "rigsim-ce24", "modbus-tcp://127.0.0.1:1");
    auto r = open_instrument(spec);
    ASSERT_TRUE(r) << r.status().describe();
    EXPECT_FALSE((*r)->connected());
    const int ch[] = {1};
    auto v = std::dynamic_pointer_cast<CellEmulator>(*r)->read_voltages(ch);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.status().code(), Code::disconnected);
    auto c = (*r)->connect(kToday);  // nothing listens on port 1
    EXPECT_EQ(c.code(), Code::disconnected) << c.describe();
    EXPECT_NE(c.message().find("emu modbus-tcp://127.0.0.1:1"), std::string::npos) << c.message();
}
