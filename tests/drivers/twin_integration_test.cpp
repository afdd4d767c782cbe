// Every driver against its twin over the real transport: the virtual bench (sim/) serves
// the fixture's instruments on loopback TCP ports and pseudo-terminals, and the drivers are
// built from the resolved fixture exactly as on a real bench. Faults are the twins' named
// settings (ROLE.no_reply, ROLE.delay_ms, ROLE.corrupt_pct, ROLE.disconnect_after_s); each
// failure test asserts an error naming the instrument, its address and the register or
// command. An independent libmodbus connection checks what landed in the twin.
#include <gtest/gtest.h>
#include <modbus/modbus.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <thread>

#include "drivers/factory.hpp"
#include "drivers/kinds.hpp"
#include "drivers/transport/modbus_client.hpp"
#include "drivers/backends/backends.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/virtual_bench.hpp"
#include "tests/engine/rig_program.hpp"

using namespace rig;
using namespace rig::drivers;
using namespace std::chrono_literals;

namespace {

const std::string kToday = "2026-11-25";

std::string temp_path(const std::string& stem) {
    static int n = 0;
    return (std::filesystem::temp_directory_path() /
            (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".toml"))
        .string();
}

// One virtual bench per test suite (starting it is the slow part); faults are cleared by
// reset_unit() before every test.
class Bench {
public:
    explicit Bench(const std::string& fixture) {
        sim::VirtualBenchOptions o;
        o.fixture_path = std::string(RIG_SOURCE_DIR) + "/fixtures/" + fixture;
        o.resolved_path = temp_path("drivers-vb");
        auto vb = sim::VirtualBench::start(o);
        if (!vb) {
            error = vb.status().describe();
            return;
        }
        vb_ = std::move(*vb);
        fx = load_fixture(vb_->resolved_fixture_path());
    }
    ~Bench() {
        if (vb_) {
            auto path = vb_->resolved_fixture_path();
            vb_->stop();
            std::filesystem::remove(path);
        }
    }
    sim::VirtualBench& vb() { return *vb_; }
    bool ok() const { return vb_ != nullptr; }

    template <class K>
    std::shared_ptr<K> open(const std::string& id, const std::function<void(InstrumentSpec&)>& edit = {}) {
        auto spec = *fx.instrument(id);
        if (edit) edit(spec);
        auto inst = open_instrument(spec);
        EXPECT_TRUE(inst) << inst.status().describe();
        if (!inst) return nullptr;
        auto k = std::dynamic_pointer_cast<K>(*inst);
        if (spec.kind == InstrumentKind::cell_emulator && fx.limits("cells")) k->set_safe_limits(*fx.limits("cells"));
        if (spec.kind == InstrumentKind::supply && fx.limits("supply")) k->set_safe_limits(*fx.limits("supply"));
        return k;
    }
    template <class K>
    std::shared_ptr<K> connected(const std::string& id, const std::function<void(InstrumentSpec&)>& edit = {}) {
        auto k = open<K>(id, edit);
        if (!k) return nullptr;
        auto s = k->connect(kToday);
        EXPECT_TRUE(s) << s.describe();
        return s ? k : nullptr;
    }

    Fixture fx;
    std::string error;

private:
    std::unique_ptr<sim::VirtualBench> vb_;
};

// A second, independent Modbus TCP master on the emulator twin.
class RawModbus {
public:
    explicit RawModbus(const Connection& c) {
        ctx_ = modbus_new_tcp("127.0.0.1", c.port);
        modbus_set_slave(ctx_, 1);
        ok_ = modbus_connect(ctx_) == 0;
    }
    ~RawModbus() {
        modbus_close(ctx_);
        modbus_free(ctx_);
    }
    bool ok() const { return ok_; }
    std::vector<std::uint16_t> holding(int addr, int n) {
        std::vector<std::uint16_t> v(static_cast<size_t>(n));
        EXPECT_EQ(modbus_read_registers(ctx_, addr, n, v.data()), n) << modbus_strerror(errno);
        return v;
    }
    std::vector<std::uint8_t> coils(int addr, int n) {
        std::vector<std::uint8_t> v(static_cast<size_t>(n));
        EXPECT_EQ(modbus_read_bits(ctx_, addr, n, v.data()), n) << modbus_strerror(errno);
        return v;
    }

private:
    modbus_t* ctx_;
    bool ok_{false};
};

std::vector<int> channels(int n) {
    std::vector<int> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), 1);
    return v;
}

void expect_names(const Status& s, std::initializer_list<std::string> parts) {
    for (auto& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << "missing \"" << p << "\" in: " << s.describe();
}

// Polls `pred` until true or a generous deadline (no fixed sleeps as synchronisation).
template <class F>
bool eventually(F pred, std::chrono::milliseconds deadline = 10s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

class VirtualBenchDrivers : public ::testing::Test {
protected:
    static void SetUpTestSuite() { bench_ = new Bench("virtual.toml"); }
    static void TearDownTestSuite() {
        delete bench_;
        bench_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(bench_->ok()) << bench_->error;
        ASSERT_TRUE(bench_->vb().reset_unit(1, false, {}));
    }
    Bench& b() { return *bench_; }
    static Bench* bench_;
};
Bench* VirtualBenchDrivers::bench_ = nullptr;

}  // namespace

// --- cell emulator over Modbus TCP -------------------------------------------------------------

TEST_F(VirtualBenchDrivers, emulator_setpoints_land_in_the_twin_and_read_back_on_all_24_channels) {
    auto emu = b().connected<CellEmulator>("emu");
    ASSERT_TRUE(emu);
    EXPECT_EQ(emu->identity().raw, "model_id=52772");
    EXPECT_FALSE(emu->identity().serial.empty());

    std::vector<ChannelVoltage> sp;
    for (int c = 1; c <= 24; ++c) sp.push_back({c, Volts(3.0 + 0.01 * c)});
    ASSERT_TRUE(emu->set_voltages(sp));
    auto all = channels(24);
    ASSERT_TRUE(emu->set_outputs(all, true));

    RawModbus raw(b().fx.instrument("emu")->connection);
    ASSERT_TRUE(raw.ok());
    auto held = raw.holding(100, 24);
    for (int c = 1; c <= 24; ++c) EXPECT_EQ(held[static_cast<size_t>(c - 1)], 30000 + 100 * c) << "channel " << c;
    EXPECT_EQ(raw.holding(10, 1)[0], 2000) << "the communication watchdog was armed at connect (quirk watchdog_ms)";

    auto v = emu->read_voltages(all);
    ASSERT_TRUE(v) << v.status().describe();
    ASSERT_EQ(v->size(), 24u);
    for (int c = 1; c <= 24; ++c) EXPECT_NEAR((*v)[static_cast<size_t>(c - 1)].value, 3.0 + 0.01 * c, 0.001) << c;
    auto i = emu->read_currents(all);
    ASSERT_TRUE(i) << i.status().describe();
    ASSERT_EQ(i->size(), 24u);
    for (auto a : *i) EXPECT_LE(std::fabs(a.value), 3.0);

    // A subset in any order comes back in the order asked.
    const int some[] = {17, 2};
    auto s = emu->read_voltages(some);
    ASSERT_TRUE(s);
    EXPECT_NEAR((*s)[0].value, 3.17, 0.001);
    EXPECT_NEAR((*s)[1].value, 3.02, 0.001);

    ASSERT_TRUE(emu->set_open_lead(5, true));
    EXPECT_EQ(raw.coils(100, 6)[4], 1) << "open_lead coil of channel 5";
    ASSERT_TRUE(emu->set_open_lead(5, false));

    ASSERT_TRUE(emu->safe());
    auto outs = raw.coils(0, 24);
    for (auto o : outs) EXPECT_EQ(o, 0) << "safe() turns every output off";
}

TEST_F(VirtualBenchDrivers, emulator_reads_24_channels_in_one_modbus_request) {
    auto& spec = *b().fx.instrument("emu");
    auto bus = ModbusClient::create(spec.connection, spec.timeout, spec.retries);
    ASSERT_TRUE(bus);
    ASSERT_TRUE((*bus)->open());
    auto model = load_model(spec.model_file);
    auto all = channels(24);
    auto before = (*bus)->requests();
    auto v = read_channels(**bus, *model.reg("voltage_read"), all);
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_EQ((*bus)->requests() - before, 1u) << "24 contiguous input registers are one FC04";
    before = (*bus)->requests();
    auto a = read_channels(**bus, *model.reg("current_read"), all);
    ASSERT_TRUE(a);
    EXPECT_EQ((*bus)->requests() - before, 1u);
    std::vector<std::pair<int, double>> sp;
    for (int c = 1; c <= 24; ++c) sp.push_back({c, 2.5});
    before = (*bus)->requests();
    ASSERT_TRUE(write_channels(**bus, *model.reg("voltage_set"), sp));
    EXPECT_EQ((*bus)->requests() - before, 1u) << "24 contiguous setpoints are one FC16";
}

TEST_F(VirtualBenchDrivers, an_out_of_limit_setpoint_is_refused_and_the_twin_is_unchanged) {
    auto emu = b().connected<CellEmulator>("emu");
    ASSERT_TRUE(emu);
    const ChannelVoltage ok[] = {{7, Volts(3.3)}};
    ASSERT_TRUE(emu->set_voltages(ok));
    RawModbus raw(b().fx.instrument("emu")->connection);
    auto before = raw.holding(105, 2);
    ASSERT_EQ(before[1], 33000);
    ASSERT_NE(before[0], 30000);

    const ChannelVoltage bad[] = {{6, Volts(3.0)}, {7, Volts(5.2)}};
    auto s = emu->set_voltages(bad);
    EXPECT_EQ(s.code(), Code::refused);
    // The limit's place is in the (resolved) fixture the bench was loaded from.
    auto fixture_name = std::filesystem::path(b().fx.file).filename().string();
    expect_names(s, {"emu modbus-tcp://127.0.0.1:", "channel 7 voltage 5.200 V", "cells safe limit [0.000 V, 5.000 V]",
                     fixture_name + ":"});
    auto after = raw.holding(105, 2);
    EXPECT_EQ(after[0], before[0]) << "channel 6 was valid but the batch was refused whole";
    EXPECT_EQ(after[1], 33000) << "channel 7 keeps its setpoint";
}

TEST_F(VirtualBenchDrivers, emulator_outputs_are_refused_while_the_relay_board_interlock_is_open) {
    auto emu = b().connected<CellEmulator>("emu");
    auto rly = b().connected<RelayBank>("rly");
    ASSERT_TRUE(emu && rly);
    auto& sock = b().fx.sockets.front();
    ASSERT_TRUE(sock.interlock);
    emu->set_interlock(make_interlock_probe(rly, *sock.interlock));
    auto all = channels(24);
    ASSERT_TRUE(emu->set_outputs(all, true)) << "the twin's lid starts closed";
    ASSERT_TRUE(b().vb().set("rly.input.0", "false"));  // lid opened
    auto s = emu->set_outputs(all, true);
    EXPECT_EQ(s.code(), Code::interlock_open);
    expect_names(s, {"emu", "interlock open"});
    EXPECT_TRUE(emu->set_outputs(all, false)) << "off is always allowed";
}

TEST_F(VirtualBenchDrivers, a_wrong_model_at_connect_is_an_identity_mismatch_naming_the_register) {
    auto emu = b().open<CellEmulator>("emu", [](InstrumentSpec& s) {
        s.model = "rigsim-ce48";
        s.model_file = std::string(RIG_SOURCE_DIR) + "/drivers/models/rigsim-ce48.toml";
    });
    ASSERT_TRUE(emu);
    auto s = emu->connect(kToday);
    EXPECT_EQ(s.code(), Code::identity_mismatch);
    expect_names(s, {"emu modbus-tcp://127.0.0.1:", "model_id (0)", "52772", "rigsim-ce48", "52808"});
    EXPECT_FALSE(emu->connected());
}

TEST_F(VirtualBenchDrivers, an_expired_calibration_is_refused_at_connect) {
    auto psu = b().open<Supply>("psu", [](InstrumentSpec& s) { s.calibration_due = "2026-06-30"; });
    ASSERT_TRUE(psu);
    auto s = psu->connect(kToday);
    EXPECT_EQ(s.code(), Code::calibration_expired);
    expect_names(s, {"psu scpi-tcp://127.0.0.1:", "2026-06-30", "2026-11-25"});
}

// --- faults ------------------------------------------------------------------------------------

TEST_F(VirtualBenchDrivers, modbus_no_reply_gives_a_timeout_naming_instrument_address_and_register) {
    auto emu = b().connected<CellEmulator>("emu", [](InstrumentSpec& s) {
        s.timeout = 200ms;
        s.retries = 1;
    });
    ASSERT_TRUE(emu);
    ASSERT_TRUE(b().vb().set("emu.no_reply", "true"));
    auto all = channels(24);
    auto v = emu->read_voltages(all);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.status().code(), Code::timeout);
    expect_names(v.status(), {"emu modbus-tcp://127.0.0.1:", "FC04 input register 100 x24", "timeout after 200 ms",
                              "(1 retry)"});
    ASSERT_TRUE(b().vb().set("emu.no_reply", "false"));
    EXPECT_TRUE(emu->read_voltages(all)) << "the next call works once the instrument answers again";
}

TEST_F(VirtualBenchDrivers, a_late_modbus_reply_is_a_timeout_and_never_taken_for_the_next_answer) {
    auto emu = b().connected<CellEmulator>("emu", [](InstrumentSpec& s) {
        s.timeout = 150ms;
        s.retries = 0;
    });
    ASSERT_TRUE(emu);
    const ChannelVoltage sp[] = {{1, Volts(3.1)}};
    ASSERT_TRUE(emu->set_voltages(sp));
    const int one[] = {1};
    ASSERT_TRUE(emu->set_outputs(one, true));
    ASSERT_TRUE(b().vb().set("emu.delay_ms", "400"));
    auto v = emu->read_currents(one);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.status().code(), Code::timeout);
    expect_names(v.status(), {"emu", "FC04 input register 200 x1", "timeout after 150 ms"});
    ASSERT_TRUE(b().vb().set("emu.delay_ms", "0"));
    // The late current reply may still arrive; the voltage read must not return it.
    bool good = eventually([&] {
        auto r = emu->read_voltages(one);
        return r && std::fabs((*r)[0].value - 3.1) < 0.001;
    });
    EXPECT_TRUE(good);
}

TEST_F(VirtualBenchDrivers, a_corrupted_rtu_frame_is_a_bad_reply_naming_the_coils) {
    auto rly = b().connected<RelayBank>("rly", [](InstrumentSpec& s) { s.retries = 1; });
    ASSERT_TRUE(rly);
    ASSERT_TRUE(b().vb().set("rly.corrupt_pct", "100"));
    auto r = rly->read();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::bad_reply) << r.status().describe();
    expect_names(r.status(), {"rly modbus-rtu:/dev/pts/", "FC01 coil 0 x8", "bad reply", "(1 retry)"});
}

TEST_F(VirtualBenchDrivers, a_garbled_scpi_reading_is_a_bad_reply_quoting_it) {
    auto dmm = b().connected<Meter>("dmm", [](InstrumentSpec& s) { s.retries = 0; });
    ASSERT_TRUE(dmm);
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 100.0));
    ASSERT_TRUE(b().vb().set("dmm.corrupt_pct", "100"));
    auto r = dmm->read();
    ASSERT_FALSE(r);
    // A garbage line is a bad reply; a mangled line ending is a timeout: both name READ?.
    EXPECT_TRUE(r.status().code() == Code::bad_reply || r.status().code() == Code::timeout) << r.status().describe();
    expect_names(r.status(), {"dmm scpi-tcp://127.0.0.1:", "READ?"});
}

TEST_F(VirtualBenchDrivers, scpi_no_reply_is_a_timeout_naming_the_command) {
    auto psu = b().connected<Supply>("psu", [](InstrumentSpec& s) {
        s.timeout = 200ms;
        s.retries = 0;
    });
    ASSERT_TRUE(psu);
    ASSERT_TRUE(b().vb().set("psu.no_reply", "true"));
    auto v = psu->measure_voltage();
    ASSERT_FALSE(v);
    EXPECT_EQ(v.status().code(), Code::timeout);
    expect_names(v.status(), {"psu scpi-tcp://127.0.0.1:", "MEAS:VOLT? (@1)", "no reply within 200 ms"});
}

TEST_F(VirtualBenchDrivers, a_dropped_connection_is_disconnected_and_the_next_call_reconnects) {
    auto emu = b().connected<CellEmulator>("emu");
    auto psu = b().connected<Supply>("psu");
    ASSERT_TRUE(emu && psu);
    ASSERT_TRUE(b().vb().set("emu.disconnect_after_s", "0.3"));
    ASSERT_TRUE(b().vb().set("psu.disconnect_after_s", "0.3"));
    const int one[] = {1};
    Status emu_lost, psu_lost;
    ASSERT_TRUE(eventually([&] {
        auto r = emu->read_voltages(one);
        if (!r) emu_lost = r.status();
        return !r;
    })) << "the twin should drop the Modbus connection";
    EXPECT_EQ(emu_lost.code(), Code::disconnected) << emu_lost.describe();
    expect_names(emu_lost, {"emu modbus-tcp://127.0.0.1:", "FC04 input register 100 x1", "connection lost"});
    ASSERT_TRUE(eventually([&] {
        auto r = psu->measure_current();
        if (!r) psu_lost = r.status();
        return !r;
    }));
    EXPECT_EQ(psu_lost.code(), Code::disconnected) << psu_lost.describe();
    expect_names(psu_lost, {"psu scpi-tcp://127.0.0.1:", "MEAS:CURR? (@1)"});

    ASSERT_TRUE(b().vb().set("emu.disconnect_after_s", "0"));
    ASSERT_TRUE(b().vb().set("psu.disconnect_after_s", "0"));
    EXPECT_TRUE(eventually([&] { return bool(emu->read_voltages(one)); })) << "re-opened on the next call";
    EXPECT_TRUE(eventually([&] { return bool(psu->measure_current()); }));
}

// --- supply, meter and relays ---------------------------------------------------------------------

TEST_F(VirtualBenchDrivers, scpi_supply_and_meter_agree_on_bplus_through_the_relay) {
    auto psu = b().connected<Supply>("psu");
    auto dmm = b().connected<Meter>("dmm");
    auto rly = b().connected<RelayBank>("rly");
    ASSERT_TRUE(psu && dmm && rly);
    EXPECT_NE(dmm->identity().model.find("DMM"), std::string::npos) << dmm->identity().raw;
    ASSERT_TRUE(psu->set_voltage(Volts(24.0)));
    ASSERT_TRUE(psu->set_current_limit(Amps(0.3)));
    ASSERT_TRUE(psu->set_output(true));
    auto v = psu->measure_voltage();
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_NEAR(v->value, 24.0, 0.01);
    auto a = psu->measure_current();
    ASSERT_TRUE(a) << a.status().describe();
    EXPECT_GE(a->value, 0.0);

    int bplus = b().fx.sockets.front().relay_map.at("bplus");
    ASSERT_TRUE(rly->set(bplus, true));
    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 100.0, 1.0));
    auto r = dmm->read();
    ASSERT_TRUE(r) << r.status().describe();
    double u = dmm->uncertainty(*r);
    EXPECT_GT(u, 0.0);
    EXPECT_NEAR(*r, 24.0, 0.01 + u);

    auto refused = psu->set_voltage(Volts(101.0));
    EXPECT_EQ(refused.code(), Code::refused);
    expect_names(refused, {"psu", "voltage 101.000 V", "supply safe limit [0.000 V, 100.000 V]"});
    ASSERT_TRUE(psu->safe());
    auto off = psu->measure_voltage();
    ASSERT_TRUE(off);
    EXPECT_NEAR(off->value, 0.0, 0.01) << "safe() turned the output off";
}

TEST_F(VirtualBenchDrivers, relay_board_switches_relays_and_reads_inputs_over_rtu_on_a_pty) {
    auto rly = b().connected<RelayBank>("rly");
    ASSERT_TRUE(rly);
    ASSERT_TRUE(rly->set(2, true));
    ASSERT_TRUE(rly->set(5, true));
    auto st = rly->read();
    ASSERT_TRUE(st) << st.status().describe();
    ASSERT_EQ(st->size(), 8u);
    for (int i = 0; i < 8; ++i) EXPECT_EQ((*st)[static_cast<size_t>(i)], i == 2 || i == 5) << "relay " << i;
    auto in = rly->read_inputs();
    ASSERT_TRUE(in) << in.status().describe();
    ASSERT_EQ(in->size(), 8u);
    EXPECT_TRUE((*in)[0]) << "interlock input at its closed level";
    ASSERT_TRUE(b().vb().set("rly.input.3", "true"));
    in = rly->read_inputs();
    ASSERT_TRUE(in);
    EXPECT_TRUE((*in)[3]);
    EXPECT_EQ(rly->set(8, true).code(), Code::invalid_argument);
    ASSERT_TRUE(rly->safe());
    st = rly->read();
    ASSERT_TRUE(st);
    for (bool on : *st) EXPECT_FALSE(on) << "safe(): every relay at rest";
}

// --- Riden RD6018 over Modbus RTU ---------------------------------------------------------------

TEST(RidenOnVirtualBench, rd6018_is_driven_from_its_model_file_over_modbus_rtu) {
    Bench bench("virtual-riden.toml");
    ASSERT_TRUE(bench.ok()) << bench.error;
    auto psu = bench.connected<Supply>("psu");
    ASSERT_TRUE(psu);
    EXPECT_EQ(psu->identity().manufacturer, "Riden");
    EXPECT_EQ(psu->identity().raw, "model_id=60181");
    EXPECT_FALSE(psu->identity().serial.empty());
    EXPECT_FALSE(psu->identity().firmware.empty());
    ASSERT_TRUE(psu->set_voltage(Volts(24.5)));
    ASSERT_TRUE(psu->set_current_limit(Amps(0.25)));
    ASSERT_TRUE(psu->set_output(true));
    auto v = psu->measure_voltage();
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_NEAR(v->value, 24.5, 0.011);
    auto a = psu->measure_current();
    ASSERT_TRUE(a) << a.status().describe();
    EXPECT_GE(a->value, 0.0);
    EXPECT_LE(a->value, 0.26);
    ASSERT_TRUE(psu->safe());
    auto off = psu->measure_voltage();
    ASSERT_TRUE(off);
    EXPECT_NEAR(off->value, 0.0, 0.011);

    // The RD6006 model file scales current by 1/1000 and names other model ids: the twin
    // (an RD6018) is refused.
    auto wrong = bench.open<Supply>("psu", [](InstrumentSpec& s) {
        s.model = "riden-rd6006";
        s.model_file = std::string(RIG_SOURCE_DIR) + "/drivers/models/riden-rd6006.toml";
    });
    ASSERT_TRUE(wrong);
    auto s = wrong->connect(kToday);
    EXPECT_EQ(s.code(), Code::identity_mismatch) << s.describe();
    expect_names(s, {"psu modbus-rtu:/dev/pts/", "60181", "riden-rd6006"});
}

// --- rig probe ------------------------------------------------------------------------------------

using rig::engine::testing::run_rig;  // the rig program as an operator runs it

TEST_F(VirtualBenchDrivers, probe_with_power_reads_every_instrument_and_the_dut_and_exits_0) {
    auto r = run_rig("probe --fixture " + b().fx.file + " --power");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (auto* part : {"emu  cell_emulator  rigsim-ce24", "ch24 ", "psu  supply", "measured ", "dmm  meter",
                       "DC voltage ", "rly  relay_bank", "inputs  0:on", "jk  dut_link", "total voltage ", "B24 3.3",
                       "detected cells        24", "socket A interlock (rly input 0): closed",
                       "probe: all 5 instruments answered"})
        EXPECT_NE(r.out.find(part), std::string::npos) << "missing \"" << part << "\" in:\n" << r.out;
}

TEST_F(VirtualBenchDrivers, probe_names_the_instrument_that_did_not_answer_and_exits_2) {
    ASSERT_TRUE(b().vb().set("dmm.no_reply", "true"));
    auto r = run_rig("probe --fixture " + b().fx.file);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    auto tail = r.out.substr(r.out.find("did not answer:"));
    EXPECT_NE(tail.find("dmm (timeout: dmm scpi-tcp://127.0.0.1:"), std::string::npos) << r.out;
    EXPECT_NE(tail.find("*IDN?"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--power energises"), std::string::npos) << "an unpowered DUT is explained:\n" << r.out;
    EXPECT_EQ(tail.find("emu ("), std::string::npos) << "the emulator answered:\n" << r.out;
}

TEST(Probe, a_bad_fixture_exits_3_naming_file_and_line) {
    auto r = run_rig(std::string("probe --fixture ") + RIG_TEST_DATA + "/fixtures/bad-unknown-key.toml");
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_NE(r.out.find("bad-unknown-key.toml:"), std::string::npos) << r.out;
}
