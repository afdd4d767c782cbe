// The cell emulator twin over Modbus TCP with libmodbus as the client: register map from
// the model file, identity, ranges, faults, and the communication watchdog (a killed client).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "bench_helper.hpp"

namespace rig::sim::test {
namespace {

constexpr int kVSet = 100, kVRead = 100, kIRead = 200, kOutput = 0, kOpenLead = 100, kWatchdog = 10;

class Emulator : public ::testing::Test {
protected:
    Bench b{"virtual.toml"};
};

TEST_F(Emulator, identity_registers_hold_model_serial_and_firmware) {
    ModbusCtx m(b.conn("emu"));
    uint16_t r[4];
    ASSERT_EQ(modbus_read_registers(m, 0, 4, r), 4) << modbus_strerror(errno);
    EXPECT_EQ(r[0], 0xCE24);
    EXPECT_EQ((uint32_t(r[1]) << 16) | r[2], 24001u);
    EXPECT_EQ(r[3], 100);  // 1.00
}

TEST_F(Emulator, sets_and_reads_back_24_channels) {
    ModbusCtx m(b.conn("emu"));
    uint16_t set[24], back[24], read[24];
    for (int c = 0; c < 24; ++c) set[c] = static_cast<uint16_t>(30000 + 100 * c);  // 3.0000 V + 10 mV steps
    ASSERT_EQ(modbus_write_registers(m, kVSet, 24, set), 24) << modbus_strerror(errno);
    ASSERT_EQ(modbus_read_registers(m, kVSet, 24, back), 24);
    for (int c = 0; c < 24; ++c) EXPECT_EQ(back[c], set[c]);

    // Output off: the readback is 0 whatever the setpoint.
    ASSERT_EQ(modbus_read_input_registers(m, kVRead, 24, read), 24);
    for (int c = 0; c < 24; ++c) EXPECT_EQ(read[c], 0);

    uint8_t on[24];
    std::fill(std::begin(on), std::end(on), 1);
    ASSERT_EQ(modbus_write_bits(m, kOutput, 24, on), 24);
    uint8_t coils[24];
    ASSERT_EQ(modbus_read_bits(m, kOutput, 24, coils), 24);
    for (int c = 0; c < 24; ++c) EXPECT_EQ(coils[c], 1);
    ASSERT_EQ(modbus_read_input_registers(m, kVRead, 24, read), 24);
    for (int c = 0; c < 24; ++c) EXPECT_NEAR(read[c], set[c], 5) << "channel " << c + 1;  // 0.05 mV noise, 0.1 mV/LSB

    uint16_t amps[24];
    ASSERT_EQ(modbus_read_input_registers(m, kIRead, 24, amps), 24);  // the DUT's load: small, signed
    ASSERT_EQ(modbus_write_bit(m, kOpenLead + 4, 1), 1);
    ASSERT_EQ(modbus_read_bits(m, kOpenLead, 24, coils), 24);
    EXPECT_EQ(coils[4], 1);
    EXPECT_EQ(coils[3], 0);
}

TEST_F(Emulator, voltage_outside_the_model_range_is_illegal_value) {
    ModbusCtx m(b.conn("emu"));
    EXPECT_EQ(modbus_write_register(m, kVSet, 50001), -1);  // 5.0001 V > 5 V
    EXPECT_EQ(errno, EMBXILVAL);
    uint16_t r;
    EXPECT_EQ(modbus_read_registers(m, 5000, 1, &r), -1);
    EXPECT_EQ(errno, EMBXILADD);
    EXPECT_EQ(modbus_write_register(m, 0, 1), -1);  // model_id is read-only
    EXPECT_EQ(errno, EMBXILADD);
}

TEST_F(Emulator, no_reply_times_out_and_clearing_it_restores_replies) {
    b.set("emu.no_reply", "true");
    {
        ModbusCtx m(b.conn("emu"), 0.3);
        uint16_t r;
        EXPECT_EQ(modbus_read_registers(m, 0, 1, &r), -1);
        EXPECT_EQ(errno, ETIMEDOUT);
    }
    b.set("cells.no_reply", "false");  // by role this time
    ModbusCtx m(b.conn("emu"));
    uint16_t r;
    EXPECT_EQ(modbus_read_registers(m, 0, 1, &r), 1);
}

TEST_F(Emulator, delay_ms_makes_the_reply_late) {
    b.set("emu.delay_ms", "600");
    {
        ModbusCtx m(b.conn("emu"), 0.2);
        uint16_t r;
        EXPECT_EQ(modbus_read_registers(m, 0, 1, &r), -1);
        EXPECT_EQ(errno, ETIMEDOUT);
    }
    ModbusCtx m(b.conn("emu"), 10.0);
    uint16_t r = 0;
    EXPECT_EQ(modbus_read_registers(m, 0, 1, &r), 1);
    EXPECT_EQ(r, 0xCE24);
}

TEST_F(Emulator, corrupt_pct_100_damages_every_reply) {
    b.set("emu.corrupt_pct", "100");
    ModbusCtx m(b.conn("emu"));
    uint16_t r;
    EXPECT_EQ(modbus_read_registers(m, 0, 1, &r), -1);
    EXPECT_EQ(errno, EMBBADDATA) << modbus_strerror(errno);  // transaction id does not match
}

TEST_F(Emulator, stuck_output_acknowledges_the_setpoint_but_readback_stays) {
    ModbusCtx m(b.conn("emu"));
    ASSERT_EQ(modbus_write_register(m, kVSet, 33000), 1);
    ASSERT_EQ(modbus_write_bit(m, kOutput, 1), 1);
    b.set("emu.stuck_output", "true");
    ASSERT_EQ(modbus_write_register(m, kVSet, 20000), 1);  // acknowledged
    uint16_t set, read;
    ASSERT_EQ(modbus_read_registers(m, kVSet, 1, &set), 1);
    EXPECT_EQ(set, 20000);
    ASSERT_EQ(modbus_read_input_registers(m, kVRead, 1, &read), 1);
    EXPECT_NEAR(read, 33000, 5);
}

TEST_F(Emulator, disconnect_after_s_closes_the_connection) {
    b.set("emu.disconnect_after_s", "0.2");
    ModbusCtx m(b.conn("emu"));
    EXPECT_TRUE(eventually([&] {
        uint16_t r;
        return modbus_read_registers(m, 0, 1, &r) == -1 && errno != ETIMEDOUT;
    }));
}

TEST_F(Emulator, unknown_setting_lists_the_known_ones) {
    auto s = b.bench->set("emu.no_such_knob", "1");
    EXPECT_FALSE(s.is_ok());
    EXPECT_NE(s.message().find("readback_noise_mV"), std::string::npos) << s.message();
}

// A rig that dies with outputs on: the emulator's watchdog turns them off.
TEST_F(Emulator, watchdog_turns_outputs_off_after_the_client_is_killed) {
    auto conn = b.conn("emu");
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(ready[0]);
        modbus_t* ctx = modbus_new_tcp(conn.host.c_str(), conn.port);
        int ok = ctx && modbus_connect(ctx) == 0 && modbus_write_register(ctx, kVSet, 30000) == 1 &&
                 modbus_write_bit(ctx, kOutput, 1) == 1 && modbus_write_bit(ctx, kOutput + 1, 1) == 1 &&
                 modbus_write_register(ctx, kWatchdog, 500) == 1;
        char c = ok ? 'y' : 'n';
        [[maybe_unused]] auto w = ::write(ready[1], &c, 1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::close(ready[0]);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ASSERT_EQ(c, 'y') << "the child could not arm the emulator";

    // Every request feeds the watchdog, reads included: poll slower than it expires.
    ModbusCtx m(conn);
    uint8_t coils[2] = {1, 1};
    EXPECT_TRUE(eventually([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));  // longer than the watchdog
        return modbus_read_bits(m, kOutput, 2, coils) == 2 && coils[0] == 0 && coils[1] == 0;
    }));
}

}  // namespace
}  // namespace rig::sim::test

namespace rig::sim::test {
namespace {

TEST(Fixtures, cascade_serves_48_channels_and_two_dut_links) {
    Bench b("virtual-cascade.toml");
    ModbusCtx m(b.conn("emu"));
    uint16_t id = 0;
    ASSERT_EQ(modbus_read_registers(m, 0, 1, &id), 1);
    EXPECT_EQ(id, 0xCE48);
    uint16_t v[48];
    EXPECT_EQ(modbus_read_registers(m, 100, 48, v), 48);
    EXPECT_NE(b.resolved.instrument("jk_low")->connection.device, b.resolved.instrument("jk_high")->connection.device);
}

TEST(Fixtures, an_instrument_without_a_twin_is_left_unserved_and_said_so) {
    std::ifstream in(fixture_path("virtual.toml"));
    std::stringstream text;
    text << in.rdbuf() << "\n";
    auto s = text.str();
    // A GPIO chip (real benches' interlock) has no twin: insert it before the safe limits.
    s.insert(s.find("[safe_limits.cells]"),
             "[instruments.io]\nkind = \"gpio\"\nmodel = \"linux-gpiod\"\nconnection = \"gpio:gpiochip0\"\n\n");
    auto path = temp_path("with-gpio.toml");
    std::ofstream(path) << s;
    VirtualBenchOptions o;
    o.fixture_path = path;
    o.resolved_path = temp_path("with-gpio-resolved.toml");
    auto b = VirtualBench::start(o);
    ASSERT_TRUE(b.is_ok()) << b.status().describe();
    EXPECT_NE((*b)->describe().find("NOT SERVED"), std::string::npos) << (*b)->describe();
    auto st = (*b)->set("io.no_reply", "true");
    EXPECT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("not served"), std::string::npos) << st.message();
    (*b)->stop();
    std::filesystem::remove(path);
    std::filesystem::remove(o.resolved_path);
}

}  // namespace
}  // namespace rig::sim::test
