// End to end: the three shipped plans on the virtual bench (in-process VirtualBench, twins
// over real loopback sockets and pseudo-terminals), in virtual time; each plan once in real
// time with the same verdict for every measurement; one faulty virtual unit per fault of
// design/dut.md, each failing at the promise it breaks and nowhere else; instrument faults
// giving ERROR with the bench left safe (checked on the twins); and SIGTERM in the middle of
// `rig run`. Several sockets, the CLI and GPIO: multisocket_test.cpp, cli_test.cpp,
// bench_test.cpp.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rig/engine/session.hpp"
#include "sim/virtual_bench.hpp"
#include "rig_program.hpp"
#include "twin_inspect.hpp"

namespace fs = std::filesystem;
using namespace rig;
using namespace rig::engine;
using namespace rig::engine::testing;
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

// The same plan and seed on a fresh real-time virtual bench: same run verdict, and the same
// verdict for every measurement (step + name), so a difference shows where time matters.
void expect_real_time_gives_the_same_verdicts(const std::string& plan_name, std::uint64_t seed) {
    auto virt = run_virtual(plan_name, seed, {});
    EXPECT_EQ(virt.run.verdict, Verdict::pass) << describe(virt);
    sim::VirtualBenchOptions o;
    o.fixture_path = kFixture;
    o.virtual_time = false;
    o.seed = seed;
    auto vb = sim::VirtualBench::start(o);
    ASSERT_TRUE(vb.is_ok()) << vb.status().describe();
    ASSERT_TRUE((*vb)->reset_unit(seed, false, {}).is_ok());
    Fixture fx = load_fixture((*vb)->resolved_fixture_path());
    SteadyClock clock;
    InstrumentPool pool(fx);
    auto bench = Bench::open(fx, fx.sockets.at(0), pool);
    ASSERT_TRUE(bench.is_ok()) << bench.status().describe();
    ASSERT_TRUE((*bench)->connect_all(today(clock)).is_ok());
    UnitOptions uo;
    uo.serial = "E2E-RT-" + plan_name;
    uo.seed = seed;
    auto real = classify(run_unit(fx, load_plan(plan_path(plan_name)), **bench, clock, uo, {}).outcome);
    EXPECT_EQ(real.run.verdict, Verdict::pass) << describe(real);
    EXPECT_EQ(real.run.verdict, virt.run.verdict);
    std::map<std::string, Verdict> a, b;
    for (auto& m : virt.run.measurements) a[m.step + "/" + m.name] = m.verdict;
    for (auto& m : real.run.measurements) b[m.step + "/" + m.name] = m.verdict;
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, b);
    fs::remove((*vb)->resolved_fixture_path());
}

TEST(EndToEnd, eol_in_real_time_gives_the_same_verdicts_as_in_virtual_time_for_the_same_seed) {
    expect_real_time_gives_the_same_verdicts("eol", 21);
}

// Firmware is DUT-only I/O for seconds at a time (writes and read-backs at 9600 baud): in
// real time the emulator's communication watchdog must still be fed.
TEST(EndToEnd, firmware_in_real_time_gives_the_same_verdicts_as_in_virtual_time_for_the_same_seed) {
    expect_real_time_gives_the_same_verdicts("firmware", 22);
}

// About a minute of wall time (measured 60 s on the shared 2-core machine): the QA plan's
// physics floor, not overhead.
TEST(EndToEnd, qa_in_real_time_gives_the_same_verdicts_as_in_virtual_time_for_the_same_seed) {
    expect_real_time_gives_the_same_verdicts("qa", 23);
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

    std::string plan = plan_path("eol"), out = (dir / "runs").string(), db = (dir / "r.db").string();
    auto rig = spawn_rig({"run", "--fixture", vo.resolved_path, "--plan", plan, "--serial", "SIGTERM-1", "--out", out,
                          "--db", db},
                         2);
    ASSERT_GT(rig.pid, 0);
    // Wait until the run is energised and measuring (a progress line of P1), then SIGTERM.
    ASSERT_TRUE(read_until(rig, "p1_accuracy_1.0V")) << rig.seen;
    ::kill(rig.pid, SIGTERM);
    EXPECT_EQ(finish(rig), 2) << rig.seen;
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
