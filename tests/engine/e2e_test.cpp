// End to end: the three shipped plans on the virtual bench (in-process VirtualBench, twins
// over real loopback sockets and pseudo-terminals), in virtual time; EOL once in real time
// with the same verdicts; one faulty virtual unit per fault of design/dut.md, each failing
// at the promise it breaks and nowhere else; instrument faults giving ERROR with the bench
// left safe (checked on the twins); and SIGTERM in the middle of `rig run`.
#include <arpa/inet.h>
#include <fcntl.h>
#include <modbus.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rig/engine/session.hpp"
#include "sim/virtual_bench.hpp"

namespace fs = std::filesystem;
using namespace rig;
using namespace rig::engine;
using Settings = std::vector<std::pair<std::string, std::string>>;

namespace {

const std::string kFastFixture = std::string(RIG_TEST_DATA) + "/fixtures/plan-virtual-fast.toml";
const std::string kFixture = std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml";
std::string plan_path(const std::string& name) { return std::string(RIG_SOURCE_DIR) + "/testplans/" + name + ".toml"; }

// One virtual bench (virtual time) for the whole suite; each test puts a new unit in it.
struct VirtualRig {
    std::unique_ptr<sim::VirtualBench> vb;
    Fixture fixture;
    static VirtualRig& get() {
        static VirtualRig r = [] {
            VirtualRig v;
            sim::VirtualBenchOptions o;
            o.fixture_path = kFastFixture;
            o.virtual_time = true;
            auto started = sim::VirtualBench::start(o);
            if (!started) throw std::runtime_error(started.status().describe());
            v.vb = std::move(*started);
            v.fixture = load_fixture(v.vb->resolved_fixture_path());
            return v;
        }();
        return r;
    }
};

struct Outcome {
    RunOutcome run;
    std::vector<const Measurement*> fails, errors;
    const Measurement* find(const std::string& step, const std::string& name) const {
        for (auto& m : run.measurements)
            if (m.step == step && m.name == name) return &m;
        return nullptr;
    }
};

Outcome classify(RunOutcome o) {
    Outcome out{std::move(o), {}, {}};
    for (auto& m : out.run.measurements) {
        if (m.verdict == Verdict::fail) out.fails.push_back(&m);
        if (m.verdict == Verdict::error) out.errors.push_back(&m);
    }
    return out;
}

std::string describe(const Outcome& o) {
    std::string s = std::string(to_string(o.run.verdict)) + " " + o.run.reason;
    for (auto* m : o.fails) s += "\n  FAIL " + m->step + " " + m->name + ": " + m->message;
    for (auto* m : o.errors) s += "\n  ERROR " + m->step + " " + m->name + ": " + m->message;
    return s;
}

std::string today(const Clock& c) { return format_iso8601(c.now()).substr(0, 10); }

Outcome run_virtual(const std::string& plan_name, std::uint64_t seed, const Settings& settings,
                    std::optional<StopPolicy> policy = std::nullopt, const fs::path& out_dir = {}) {
    auto& r = VirtualRig::get();
    auto st = r.vb->reset_unit(seed, false, settings);
    EXPECT_TRUE(st.is_ok()) << st.describe();
    Plan plan = load_plan(plan_path(plan_name));
    auto sc = make_socket_clock(r.fixture, true);
    EXPECT_TRUE(sc.is_ok()) << sc.status().describe();
    InstrumentPool pool(r.fixture);
    auto bench = Bench::open(r.fixture, r.fixture.sockets.at(0), pool);
    EXPECT_TRUE(bench.is_ok()) << bench.status().describe();
    // (run_unit connects; a bench that cannot be connected is an ERROR run with a record)
    UnitOptions uo;
    uo.serial = "E2E-" + std::to_string(seed);
    uo.seed = seed;
    uo.out_dir = out_dir;
    uo.run.stop_policy = policy;
    return classify(run_unit(r.fixture, plan, **bench, *sc->clock, uo, {}).outcome);
}

// ---- looking at the twins directly, as a technician would with a scope -------------------

std::optional<std::string> scpi_query(const Connection& c, const std::string& line) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(c.port));
    inet_pton(AF_INET, c.host.c_str(), &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    std::string q = line + "\n";
    if (::write(fd, q.data(), q.size()) != static_cast<ssize_t>(q.size())) {
        ::close(fd);
        return std::nullopt;
    }
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string reply;
    char ch;
    while (::read(fd, &ch, 1) == 1 && ch != '\n') reply += ch;
    ::close(fd);
    return reply;
}

std::optional<bool> supply_output_on(const Fixture& f) {
    auto r = scpi_query(f.instrument("psu")->connection, "OUTP? (@1)");
    if (!r) return std::nullopt;
    return r->find('1') != std::string::npos;
}

std::optional<int> emulator_outputs_on(const Fixture& f) {
    const auto& c = f.instrument("emu")->connection;
    modbus_t* ctx = modbus_new_tcp(c.host.c_str(), c.port);
    if (!ctx) return std::nullopt;
    if (modbus_connect(ctx) != 0) {
        modbus_free(ctx);
        return std::nullopt;
    }
    uint8_t bits[24]{};
    int n = modbus_read_bits(ctx, 0, 24, bits);
    modbus_close(ctx);
    modbus_free(ctx);
    if (n != 24) return std::nullopt;
    int on = 0;
    for (auto b : bits) on += b ? 1 : 0;
    return on;
}

void advance_bench_time(const Fixture& f, Duration d) {
    auto sc = make_socket_clock(f, true);
    ASSERT_TRUE(sc.is_ok());
    ASSERT_TRUE(sc->clock->sleep_for(d).is_ok());
}

}  // namespace

// ---- good units ----------------------------------------------------------------------------

TEST(EndToEnd, a_good_virtual_unit_passes_eol_in_virtual_time_and_leaves_a_record) {
    auto dir = fs::temp_directory_path() / ("rig-e2e-" + std::to_string(::getpid()));
    auto o = run_virtual("eol", 1, {}, std::nullopt, dir);
    EXPECT_EQ(o.run.verdict, Verdict::pass) << describe(o);
    EXPECT_EQ(o.run.state, reports::RunState::completed);
    ASSERT_NE(o.find("p5_shutdown", "shutdown_V"), nullptr);
    EXPECT_NEAR(o.find("p5_shutdown", "shutdown_V")->value, 2.195, 0.006);
    EXPECT_NEAR(o.find("p6_power_on", "power_on_V")->value, 2.405, 0.006);
    EXPECT_EQ(o.find("p10_temperature", "temperature_error")->verdict, Verdict::pass);
    // The record is on disk, complete.
    bool found = false;
    for (auto& d : fs::directory_iterator(dir)) {
        std::ifstream in(d.path() / "record.json");
        auto j = nlohmann::json::parse(in);
        EXPECT_EQ(j.dump().find("\"PASS\"") != std::string::npos, true);
        found = true;
    }
    EXPECT_TRUE(found);
    fs::remove_all(dir);
}

TEST(EndToEnd, a_good_virtual_unit_passes_qa_in_virtual_time) {
    auto o = run_virtual("qa", 2, {});
    EXPECT_EQ(o.run.verdict, Verdict::pass) << describe(o);
    EXPECT_EQ(o.find("p9_two_cells", "detected_cells")->value, 2.0);
    EXPECT_EQ(o.find("p9_sixteen_cells", "detected_cells")->value, 16.0);
    ASSERT_NE(o.find("p1_accuracy_4.75V", "cell_error.B24"), nullptr);
    EXPECT_NE(o.find("p2_current_vs_delta", "balance_current_spread"), nullptr);
    EXPECT_EQ(o.find("p5_shutdown", "shutdown_V_resolution")->value, 0.001);
}

TEST(EndToEnd, a_good_virtual_unit_passes_firmware_in_virtual_time) {
    auto o = run_virtual("firmware", 3, {});
    EXPECT_EQ(o.run.verdict, Verdict::pass) << describe(o);
    EXPECT_EQ(o.find("cell_count_refused_25", "cell_count.echo")->value, 24.0);  // the old value
    EXPECT_EQ(o.find("trigger_refused_1001mV", "trigger_delta.echo")->verdict, Verdict::pass);
    EXPECT_EQ(o.find("switch_refused_2", "balancing_switch.read_back")->verdict, Verdict::pass);
}

// ---- one faulty unit per fault of design/dut.md ------------------------------------------

struct FaultCase {
    const char* name;
    Settings settings;
    const char* promise;  // step id prefix of the promise it breaks
    bool only_that_promise{true};
};

class FaultyUnit : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultyUnit, fails_at_the_promise_it_breaks_and_nowhere_else) {
    const auto& fc = GetParam();
    // Run to the end (continue) so "nowhere else" is checked on every step; faults that
    // legitimately disturb later promises too run with the plan's own stop policy.
    auto o = run_virtual("eol", 7, fc.settings,
                         fc.only_that_promise ? std::optional<StopPolicy>(StopPolicy::continue_all) : std::nullopt);
    EXPECT_EQ(o.run.verdict, Verdict::fail) << describe(o);
    EXPECT_TRUE(o.errors.empty()) << describe(o);
    ASSERT_FALSE(o.fails.empty()) << describe(o);
    EXPECT_TRUE(o.fails.front()->step.starts_with(fc.promise)) << describe(o);
    for (auto* m : o.fails) EXPECT_TRUE(m->step.starts_with(fc.promise)) << describe(o);
}

INSTANTIATE_TEST_SUITE_P(
    DutFaults, FaultyUnit,
    ::testing::Values(
        FaultCase{"shutdown_at_1V95", {{"shutdown_V", "1.95"}}, "p5_"},
        FaultCase{"power_on_at_2V35", {{"power_on_V", "2.35"}}, "p6_"},
        FaultCase{"power_on_at_2V65", {{"power_on_V", "2.65"}}, "p6_"},
        FaultCase{"weak_balancer_1A7", {{"balance_current_A", "1.7"}}, "p2_"},
        FaultCase{"cell_9_offset_4mV5", {{"cell_offset_mV.9", "4.5"}}, "p1_"},
        FaultCase{"cell_5_gain_1000ppm", {{"cell_gain_ppm.5", "1000"}}, "p1_"},
        FaultCase{"noisy_cells_2mV", {{"cell_noise_mV", "2"}}, "p1_", false},
        FaultCase{"open_balance_lead_B7", {{"balance_open_channels", "B7"}}, "p2_"},
        FaultCase{"trigger_5mV_high", {{"trigger_offset_mV", "5"}}, "p3_"},
        FaultCase{"trigger_5mV_low", {{"trigger_offset_mV", "-5"}}, "p3_"},
        FaultCase{"balances_below_start_voltage", {{"start_voltage_ignored", "true"}}, "p4_"},
        FaultCase{"draws_1300mW", {{"supply_power_mW", "1300"}}, "p7_"},
        FaultCase{"ignores_writes", {{"param_write_ignored", "true"}}, "p8_"},
        FaultCase{"temperature_3C_high", {{"temperature_offset_C", "3"}}, "p10_"},
        // A DUT that never answers while every rig instrument does is a bad DUT: FAIL of
        // "DUT answers" at power-up (documented in docs/plans.md), not ERROR.
        FaultCase{"silent_dut", {{"comms_silent", "true"}}, "power_up", false}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- instrument faults: ERROR, never FAIL or PASS, and the bench ends safe ---------------

TEST(EndToEnd, a_meter_that_does_not_reply_gives_error_and_the_bench_ends_safe) {
    auto o = run_virtual("eol", 11, {{"meter.no_reply", "true"}});
    EXPECT_EQ(o.run.verdict, Verdict::error) << describe(o);
    EXPECT_TRUE(o.fails.empty()) << describe(o);
    auto& f = VirtualRig::get().fixture;
    EXPECT_EQ(supply_output_on(f), std::optional<bool>(false));
    EXPECT_EQ(emulator_outputs_on(f), std::optional<int>(0));
}

TEST(EndToEnd, a_dropped_emulator_connection_mid_run_gives_error_and_the_bench_ends_safe) {
    auto o = run_virtual("eol", 12, {{"cells.disconnect_after_s", "2"}});
    EXPECT_EQ(o.run.verdict, Verdict::error) << describe(o);
    EXPECT_TRUE(o.fails.empty()) << describe(o);
    auto& f = VirtualRig::get().fixture;
    EXPECT_EQ(supply_output_on(f), std::optional<bool>(false));
    // The emulator could not be told; its communication watchdog (armed at connect) is
    // what switches it off once nobody talks to it.
    advance_bench_time(f, std::chrono::seconds(3));
    EXPECT_EQ(emulator_outputs_on(f), std::optional<int>(0));
}

// ---- real time --------------------------------------------------------------------------

TEST(EndToEnd, eol_in_real_time_gives_the_same_verdicts_as_in_virtual_time_for_the_same_seed) {
    auto virt = run_virtual("eol", 21, {});
    sim::VirtualBenchOptions o;
    o.fixture_path = kFixture;
    o.virtual_time = false;
    o.seed = 21;
    auto vb = sim::VirtualBench::start(o);
    ASSERT_TRUE(vb.is_ok()) << vb.status().describe();
    ASSERT_TRUE((*vb)->reset_unit(21, false, {}).is_ok());
    Fixture fx = load_fixture((*vb)->resolved_fixture_path());
    SteadyClock clock;
    InstrumentPool pool(fx);
    auto bench = Bench::open(fx, fx.sockets.at(0), pool);
    ASSERT_TRUE(bench.is_ok()) << bench.status().describe();
    ASSERT_TRUE((*bench)->connect_all(today(clock)).is_ok());
    UnitOptions uo;
    uo.serial = "E2E-RT";
    auto real = classify(run_unit(fx, load_plan(plan_path("eol")), **bench, clock, uo, {}).outcome);
    EXPECT_EQ(real.run.verdict, Verdict::pass) << describe(real);
    EXPECT_EQ(real.run.verdict, virt.run.verdict);
    std::map<std::string, Verdict> a, b;
    for (auto& m : virt.run.measurements) a[m.step + "/" + m.name] = m.verdict;
    for (auto& m : real.run.measurements) b[m.step + "/" + m.name] = m.verdict;
    EXPECT_EQ(a, b);
}

// ---- SIGTERM in the middle of `rig run` -------------------------------------------------

TEST(EndToEnd, sigterm_mid_run_leaves_outputs_safe_exit_2_and_an_aborted_record) {
    auto dir = fs::temp_directory_path() / ("rig-sigterm-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    // The twins run in their own process (rig-sim style, in this test process), so they can
    // be inspected after the rig is gone.
    sim::VirtualBenchOptions vo;
    vo.fixture_path = kFixture;
    vo.resolved_path = (dir / "resolved.toml").string();
    auto vb = sim::VirtualBench::start(vo);
    ASSERT_TRUE(vb.is_ok()) << vb.status().describe();
    Fixture fx = load_fixture(vo.resolved_path);

    int err_pipe[2];
    ASSERT_EQ(::pipe(err_pipe), 0);
    std::string rig = std::string(RIG_BINARY_DIR) + "/rig/cli/rig";
    std::string plan = plan_path("eol"), out = (dir / "runs").string(), db = (dir / "r.db").string();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::dup2(err_pipe[1], 2);
        int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, 1);
        ::close(err_pipe[0]);
        ::execl(rig.c_str(), rig.c_str(), "run", "--fixture", vo.resolved_path.c_str(), "--plan", plan.c_str(),
                "--serial", "SIGTERM-1", "--out", out.c_str(), "--db", db.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(err_pipe[1]);
    // Wait until the run is energised and measuring (a progress line of P1), then SIGTERM.
    std::string seen;
    char buf[512];
    bool mid = false;
    while (!mid) {
        ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
        if (n <= 0) break;
        seen.append(buf, static_cast<size_t>(n));
        mid = seen.find("p1_accuracy_1.0V") != std::string::npos;
    }
    ASSERT_TRUE(mid) << seen;
    ::kill(pid, SIGTERM);
    while (::read(err_pipe[0], buf, sizeof buf) > 0) {
    }
    ::close(err_pipe[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
    EXPECT_EQ(supply_output_on(fx), std::optional<bool>(false));
    EXPECT_EQ(emulator_outputs_on(fx), std::optional<int>(0));
    int records = 0;
    for (auto& d : fs::directory_iterator(out)) {
        std::ifstream in(d.path() / "record.json");
        auto j = nlohmann::json::parse(in);
        EXPECT_NE(j.dump().find("aborted"), std::string::npos) << j.dump().substr(0, 400);
        ++records;
    }
    EXPECT_EQ(records, 1);
    (*vb)->stop();
    fs::remove_all(dir);
}
