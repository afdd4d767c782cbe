// The control port with the rig's client (drivers/simctl.hpp): virtual time moves only when
// the rig advances it, and fires the emulator's watchdog without real waiting; settings by
// name; and the rig-sim program end to end (resolved fixture, SIGTERM, exit 0).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

#include "bench_helper.hpp"
#include "drivers/simctl.hpp"

extern char** environ;

namespace rig::sim::test {
namespace {

std::unique_ptr<drivers::SimControl> control_of(const Bench& b) {
    auto c = drivers::SimControl::connect(b.resolved.sim->control, std::chrono::seconds(5));
    if (!c) throw std::runtime_error(c.status().describe());
    return std::move(*c);
}

TEST(Control, advancing_virtual_time_fires_the_watchdog_without_real_waiting) {
    Bench b("virtual.toml", /*virtual_time=*/true);
    auto ctl = control_of(b);
    auto t0 = ctl->now();
    ASSERT_TRUE(t0.is_ok()) << t0.status().describe();

    ModbusCtx m(b.conn("emu"));
    ASSERT_EQ(modbus_write_bit(m, 0, 1), 1);
    ASSERT_EQ(modbus_write_register(m, 10, 60'000), 1);  // watchdog 60 s of virtual time

    ASSERT_TRUE(ctl->advance_to(*t0 + std::chrono::seconds(59)).is_ok());
    EXPECT_EQ(*ctl->now(), *t0 + std::chrono::seconds(59));
    uint8_t on = 0;
    ASSERT_EQ(modbus_read_bits(m, 0, 1, &on), 1);  // feeds the watchdog at t0 + 59 s
    EXPECT_EQ(on, 1) << "59 s < 60 s: still on";

    ASSERT_TRUE(ctl->advance_to(*t0 + std::chrono::seconds(200)).is_ok());
    ASSERT_EQ(modbus_read_bits(m, 0, 1, &on), 1);
    EXPECT_EQ(on, 0) << "watchdog expired at t0 + 119 s, in virtual time (the test takes no minutes)";
}

TEST(Control, real_time_bench_refuses_advance) {
    Bench b("virtual.toml");
    auto ctl = control_of(b);
    auto st = ctl->advance_to(*ctl->now() + std::chrono::seconds(1));
    EXPECT_EQ(st.code(), Code::device_error);
    EXPECT_NE(st.message().find("simctl-tcp://127.0.0.1:"), std::string::npos) << st.message();
}

TEST(Control, set_and_reset_unit_route_by_role_and_clear_faults) {
    Bench b("virtual.toml");
    auto ctl = control_of(b);
    ASSERT_TRUE(ctl->set("meter.no_reply", "true").is_ok());
    auto bad = ctl->set("meter.bogus", "1");
    EXPECT_EQ(bad.code(), Code::device_error);
    EXPECT_NE(bad.message().find("no_reply"), std::string::npos) << bad.message();
    ASSERT_TRUE(ctl->reset_unit(3, false, {{"emu.readback_noise_mV", "0"}}).is_ok());
    // After the reset the meter answers again: faults are cleared.
    ScpiClient dmm(b.conn("dmm"));
    EXPECT_EQ(dmm.query("*IDN?"), "JK-RIG,DMM-6,DMM6-0001,1.0");
}

TEST(Control, connect_to_nothing_names_the_address) {
    Connection c;
    c.scheme = "simctl-tcp";
    c.host = "127.0.0.1";
    c.port = 1;  // nothing listens on port 1
    auto r = drivers::SimControl::connect(c, std::chrono::seconds(2));
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Code::disconnected);
    EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
}

TEST(RigSimProgram, serves_the_virtual_fixture_and_stops_cleanly_on_sigterm) {
    std::string exe = std::string(RIG_BINARY_DIR) + "/sim/rig-sim";
    ASSERT_TRUE(std::filesystem::exists(exe)) << exe;
    auto resolved = temp_path("program.toml");
    std::string fixture = fixture_path("virtual.toml");
    std::vector<std::string> args = {exe, "--fixture", fixture, "--resolved", resolved, "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ), 0);

    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(resolved); }, std::chrono::seconds(30)));
    auto f = load_fixture(resolved);
    for (auto& i : f.instruments) {
        if (i.connection.is_tcp()) {
            EXPECT_GT(i.connection.port, 0) << i.id;
        } else if (i.connection.is_serial()) {
            EXPECT_TRUE(std::filesystem::exists(i.connection.device)) << i.id;
        }
    }
    ASSERT_TRUE(f.sim.has_value());
    EXPECT_GT(f.sim->control.port, 0);
    auto ctl = drivers::SimControl::connect(f.sim->control, std::chrono::seconds(5));
    ASSERT_TRUE(ctl.is_ok()) << ctl.status().describe();
    EXPECT_TRUE((*ctl)->now().is_ok());

    ::kill(pid, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
    std::filesystem::remove(resolved);
}

}  // namespace
}  // namespace rig::sim::test
