// The sequencer with in-process fakes of the instrument kinds (fakes.hpp): what becomes
// ERROR and what FAIL, stop policies, cleanup and safe state in every ending, retries,
// conditions, cancellation, and what reaches the record sink.
#include <thread>

#include <gtest/gtest.h>

#include "fakes.hpp"
#include "rig/engine/sequencer.hpp"

using namespace rig;
using namespace rig::engine;
using namespace rig::engine::testing;

namespace {

const char* kHead = R"(
[plan]
name = "t"
version = "1"
dut_model = "JK-B2A24S"
)";

Plan plan_of(const std::string& body, const std::string& head_extra = "") {
    return parse_plan(std::string(kHead) + head_extra + body, "test.toml");
}

struct Harness {
    FakeBench fb;
    VirtualClock clock{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
    MemorySink sink;
    Harness() { EXPECT_TRUE(fb.bench->connect_all("2026-11-25").is_ok()); }
    RunOutcome run(const Plan& p, std::stop_token stop = {}, RunOptions o = {}) {
        Sequencer seq(*fb.bench, clock, sink);
        reports::RunInfo info;
        info.run_id = "test-1";
        return seq.run(p, info, stop, o);
    }
    const Measurement* find(const RunOutcome& o, const std::string& step, const std::string& name) {
        for (auto& m : o.measurements)
            if (m.step == step && m.name == name) return &m;
        return nullptr;
    }
};

// The DUT reports exactly what is on the pins; limits decide.
const char* kPowerUp = R"(
[[setup]]
id = "up"
kind = "power_up"
)";

const char* kCleanup = R"(
[[cleanup]]
id = "down"
kind = "power_down"
cells_off = true
)";

}  // namespace

TEST(Sequencer, a_good_run_passes_and_every_measurement_reaches_the_sink) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "acc"
kind = "cell_accuracy"
voltage = "3.3 V"
[[steps]]
id = "count"
kind = "cell_count"
)" + kCleanup);
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::pass) << o.reason;
    EXPECT_EQ(o.state, reports::RunState::completed);
    EXPECT_EQ(h.sink.begins, 1);
    EXPECT_EQ(h.sink.ends, 1);
    EXPECT_EQ(h.sink.record.measurements.size(), o.measurements.size());
    EXPECT_EQ(h.sink.record.verdict, Verdict::pass);
    auto* m = h.find(o, "acc", "cell_error.B24");
    ASSERT_NE(m, nullptr);
    EXPECT_NEAR(m->value, 0.0, 1e-9);
    EXPECT_EQ(m->unit, Unit::volt);
    EXPECT_GT(m->uncertainty, 0.0);  // reference and quantisation combined
    EXPECT_EQ(m->rule, DecisionRule::guard_banded);
    EXPECT_EQ(m->samples.size(), 1u);
}

TEST(Sequencer, a_dut_link_io_error_is_error_never_fail) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
)" + kCleanup);
    h.fb.world.dut_read_error = Code::bad_reply;
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::error) << o.reason;
    for (auto& m : o.measurements) EXPECT_NE(m.verdict, Verdict::fail) << m.step << " " << m.name;
    EXPECT_NE(o.reason.find("bad_reply"), std::string::npos) << o.reason;
}

TEST(Sequencer, an_emulator_fault_mid_run_is_error_and_the_bench_still_goes_safe) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "acc"
kind = "cell_accuracy"
voltage = "3.3 V"
)" + kCleanup);
    // power_up works, then the emulator starts failing.
    h.fb.world.cells_error.reset();
    RunOptions opts;
    opts.on_step = [&](const StepOutcome& s, size_t, size_t) {
        if (s.id == "settings" || s.id == "up") h.fb.world.cells_error = Code::disconnected;
    };
    auto o = h.run(p, {}, opts);
    EXPECT_EQ(o.verdict, Verdict::error);
    auto* m = h.find(o, "acc", "step");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->verdict, Verdict::error);
    EXPECT_NE(m->message.find("disconnected"), std::string::npos);
    // Supply off was attempted even though the emulator could not be switched off.
    EXPECT_FALSE(h.fb.world.supply_on);
    EXPECT_GE(h.fb.world.supply_off_calls, 1);
    EXPECT_NE(h.find(o, "safe_state", "bench_safe"), nullptr);  // the incomplete safe state is recorded
}

TEST(Sequencer, stop_on_first_failure_skips_the_rest_but_runs_cleanup_and_goes_safe) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
expect = 16
[[steps]]
id = "acc"
kind = "cell_accuracy"
)" + kCleanup);
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::fail);
    EXPECT_NE(o.reason.find("count detected_cells"), std::string::npos) << o.reason;
    auto* skipped = h.find(o, "acc", "step");
    ASSERT_NE(skipped, nullptr);
    EXPECT_EQ(skipped->verdict, Verdict::skipped);
    EXPECT_NE(skipped->message.find("stopped after FAIL in count"), std::string::npos);
    EXPECT_EQ(o.steps.back().id, "down");  // cleanup ran
    EXPECT_FALSE(h.fb.world.supply_on);
    for (bool on : h.fb.world.cell_on) EXPECT_FALSE(on);
}

TEST(Sequencer, continue_runs_every_step_after_a_failure) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
expect = 16
[[steps]]
id = "acc"
kind = "cell_accuracy"
)" + kCleanup, "stop_policy = \"continue\"\n");
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::fail);
    EXPECT_NE(h.find(o, "acc", "cell_error.B1"), nullptr);
}

TEST(Sequencer, stop_on_error_continues_after_fail_and_stops_after_error) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
expect = 16
[[steps]]
id = "broken"
kind = "check"
value = "nosuch.value"
limit = "<= 1 V"
[[steps]]
id = "acc"
kind = "cell_accuracy"
)" + kCleanup, "stop_policy = \"stop_on_error\"\n");
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::error);
    EXPECT_EQ(h.find(o, "broken", "step")->verdict, Verdict::error);
    EXPECT_EQ(h.find(o, "acc", "step")->verdict, Verdict::skipped);
    EXPECT_EQ(h.find(o, "count", "detected_cells")->verdict, Verdict::fail);  // still in the record
}

TEST(Sequencer, a_run_option_overrides_the_plans_stop_policy) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
expect = 16
[[steps]]
id = "acc"
kind = "cell_accuracy"
)");
    RunOptions o;
    o.stop_policy = StopPolicy::continue_all;
    auto out = h.run(p, {}, o);
    EXPECT_NE(h.find(out, "acc", "cell_error.B1"), nullptr);
}

TEST(Sequencer, a_retryable_error_reruns_the_step_up_to_its_retry_count) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
retry = 2
)");
    RunOptions opts;
    opts.on_step = [&](const StepOutcome& s, size_t, size_t) {
        if (s.id == "settings" || s.id == "up") {
            h.fb.world.dut_fail_reads = 2;
            h.fb.world.dut_read_error_once = Code::disconnected;  // recovery: retry_step
        }
    };
    auto o = h.run(p, {}, opts);
    EXPECT_EQ(o.verdict, Verdict::pass) << o.reason;
    auto it = std::find_if(o.steps.begin(), o.steps.end(), [](auto& s) { return s.id == "count"; });
    ASSERT_NE(it, o.steps.end());
    EXPECT_EQ(it->attempts, 3);
    // Only the last attempt's measurements are kept.
    int n = 0;
    for (auto& m : o.measurements) n += m.step == "count" ? 1 : 0;
    EXPECT_EQ(n, 2);
}

TEST(Sequencer, without_retries_a_retryable_error_is_error) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
)");
    RunOptions opts;
    opts.on_step = [&](const StepOutcome& s, size_t, size_t) {
        if (s.id == "up") {
            h.fb.world.dut_fail_reads = 1;
            h.fb.world.dut_read_error_once = Code::disconnected;
        }
    };
    auto o = h.run(p, {}, opts);
    EXPECT_EQ(o.verdict, Verdict::error);
}

TEST(Sequencer, a_fix_rig_error_is_not_retried) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
retry = 3
)");
    RunOptions opts;
    opts.on_step = [&](const StepOutcome& s, size_t, size_t) {
        if (s.id == "up") {
            h.fb.world.dut_fail_reads = 1;
            h.fb.world.dut_read_error_once = Code::io_error;
        }
    };
    auto o = h.run(p, {}, opts);
    auto it = std::find_if(o.steps.begin(), o.steps.end(), [](auto& s) { return s.id == "count"; });
    EXPECT_EQ(it->attempts, 1);
    EXPECT_EQ(o.verdict, Verdict::error);
}

TEST(Sequencer, a_false_condition_skips_the_step_with_the_condition_as_reason) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
[[steps]]
id = "only_if_failed"
kind = "cell_accuracy"
when = "count.failed"
[[steps]]
id = "only_if_passed"
kind = "cell_count"
when = "count.passed and fixture.cell_count == 24"
)");
    auto o = h.run(p);
    auto* m = h.find(o, "only_if_failed", "step");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->verdict, Verdict::skipped);
    EXPECT_NE(m->message.find("condition false: count.failed"), std::string::npos);
    EXPECT_NE(h.find(o, "only_if_passed", "detected_cells"), nullptr);
    EXPECT_EQ(o.verdict, Verdict::pass);
}

TEST(Sequencer, the_interlock_open_refuses_power_and_gives_error) {
    Harness h;
    h.fb.world.lid_closed = false;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
)" + kCleanup);
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::error);
    EXPECT_NE(o.reason.find("interlock"), std::string::npos) << o.reason;
    EXPECT_FALSE(h.fb.world.supply_on);
    for (bool on : h.fb.world.cell_on) EXPECT_FALSE(on);
}

TEST(Sequencer, a_failing_record_sink_stops_the_run_with_error) {
    Harness h;
    h.sink.fail_add = Status(Code::io_error, "disk full");
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
)" + kCleanup);
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::error);
    EXPECT_NE(o.reason.find("disk full"), std::string::npos) << o.reason;
    EXPECT_EQ(h.find(o, "count", "step")->verdict, Verdict::skipped);
    EXPECT_FALSE(h.fb.world.supply_on);
}

TEST(Sequencer, a_stop_request_before_the_run_aborts_it_and_cleanup_still_runs) {
    Harness h;
    std::stop_source src;
    src.request_stop();
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "count"
kind = "cell_count"
)" + kCleanup);
    auto o = h.run(p, src.get_token());
    EXPECT_EQ(o.state, reports::RunState::aborted);
    EXPECT_EQ(o.verdict, Verdict::error);
    EXPECT_EQ(h.sink.record.state, reports::RunState::aborted);
    EXPECT_EQ(o.steps.back().id, "down");
}

TEST(Sequencer, a_stop_request_wakes_a_long_wait_at_once_and_leaves_the_bench_safe) {
    FakeBench fb;
    ASSERT_TRUE(fb.bench->connect_all("2026-11-25").is_ok());
    SteadyClock clock;
    MemorySink sink;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "long_wait"
kind = "wait"
duration = "1 h"
timeout = "2 h"
)" + kCleanup);
    std::stop_source src;
    std::jthread stopper([&] {
        // Wait until the run is inside the long wait (its power_up is done), then stop.
        while (!fb.world.supply_on) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        src.request_stop();
    });
    Sequencer seq(*fb.bench, clock, sink);
    auto o = seq.run(p, reports::RunInfo{}, src.get_token());
    EXPECT_EQ(o.state, reports::RunState::aborted);
    EXPECT_EQ(o.verdict, Verdict::error);
    EXPECT_NE(o.reason.find("long_wait"), std::string::npos) << o.reason;
    EXPECT_FALSE(fb.world.supply_on);
    for (bool on : fb.world.cell_on) EXPECT_FALSE(on);
    EXPECT_EQ(sink.record.state, reports::RunState::aborted);
}

TEST(Sequencer, settings_are_written_after_setup_and_judged_on_their_echo) {
    Harness h;
    auto p = plan_of(std::string(R"(
[settings]
cell_count = 16
trigger_delta = "20 mV"
)") + kPowerUp + R"(
[[steps]]
id = "count"
kind = "cell_count"
)");
    auto o = h.run(p);
    ASSERT_GE(o.steps.size(), 2u);
    EXPECT_EQ(o.steps[1].id, "settings");
    EXPECT_EQ(h.fb.dut->cell_count, 16);
    EXPECT_EQ(h.fb.dut->trigger_mV, 20);
    EXPECT_NEAR(h.find(o, "settings", "trigger_delta")->value, 0.020, 1e-12);
    // cell_count expects the plan's setting, and the fake detects what it is configured for.
    EXPECT_EQ(o.verdict, Verdict::pass) << o.reason;
}

TEST(Sequencer, write_setting_judges_echo_and_read_back_and_a_refused_write_must_echo_the_old_value) {
    Harness h;
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "ok"
kind = "write_setting"
setting = "max_balance_current"
value = "1.0 A"
[[steps]]
id = "refused"
kind = "write_setting"
setting = "cell_count"
value = "25"
expect = "refused"
[[steps]]
id = "wrongly_refused"
kind = "write_setting"
setting = "trigger_delta"
value = "1001 mV"
)", "stop_policy = \"continue\"\n");
    auto o = h.run(p);
    EXPECT_EQ(h.find(o, "ok", "max_balance_current.echo")->verdict, Verdict::pass);
    EXPECT_EQ(h.find(o, "ok", "max_balance_current.read_back")->verdict, Verdict::pass);
    EXPECT_EQ(h.find(o, "refused", "cell_count.echo")->verdict, Verdict::pass);
    EXPECT_EQ(h.find(o, "wrongly_refused", "trigger_delta.echo")->verdict, Verdict::fail);
}

TEST(Sequencer, a_temperature_step_without_a_temperature_input_is_skipped_with_the_reason) {
    Harness h;  // the fake fixture's DUT has no model file: no temperature input
    auto p = plan_of(std::string(kPowerUp) + R"(
[[steps]]
id = "temp"
kind = "temperature"
)");
    auto o = h.run(p);
    auto* m = h.find(o, "temp", "temperature_error");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->verdict, Verdict::skipped);
    EXPECT_NE(m->message.find("no temperature input"), std::string::npos);
}

TEST(Sequencer, a_silent_dut_at_power_up_is_a_fail_of_dut_answers) {
    Harness h;
    h.fb.world.dut_read_error = Code::timeout;
    auto p = plan_of(std::string(R"(
[[steps]]
id = "up"
kind = "power_up"
)") + kCleanup);
    auto o = h.run(p);
    EXPECT_EQ(o.verdict, Verdict::fail) << o.reason;
    EXPECT_EQ(h.find(o, "up", "dut_answers")->verdict, Verdict::fail);
}
