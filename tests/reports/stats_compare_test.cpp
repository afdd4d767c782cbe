// Statistics (Cpk, yield, first-pass yield) against hand computations, and the baseline
// comparison of firmware validation.
#include <gtest/gtest.h>

#include <algorithm>

#include "reports/compare.hpp"
#include "reports/stats.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

// Five QA runs of three units with known values.
std::vector<RunRecord> qa_runs() {
    const char* serials[] = {"A", "B", "C", "A", "B"};
    const double shutdown[] = {2.15, 2.20, 2.25, 2.18, 2.22};    // limits [2.0 V, 2.4 V]
    const double power[] = {0.60, 0.62, 0.58, 0.61, 0.59};       // <= 1.0 W
    const double power_on[] = {2.45, 2.65, 2.50, 2.55, 2.38};    // [2.4 V, 2.6 V]: #2, #5 FAIL
    std::vector<RunRecord> runs;
    for (int k = 0; k < 5; ++k) {
        TimePoint t = at(2026, 11, 10 + static_cast<unsigned>(k));
        RunRecord r;
        r.info = sample_info(serials[k], t, "qa-" + std::to_string(k));
        r.info.plan_name = "qa";
        r.measurements.push_back(judged("ramp", "shutdown_V", shutdown[k], Limit::range(2.0, 2.4, Unit::volt), t));
        r.measurements.push_back(judged("power", "supply_power", power[k], Limit::at_most(1.0, Unit::watt), t));
        r.measurements.push_back(judged("ramp", "power_on_V", power_on[k], Limit::range(2.4, 2.6, Unit::volt), t));
        r.measurements.push_back(judged("idle", "current", 1e-5 * (k + 1), Limit::none(Unit::ampere), t));
        r.measurements.push_back(judged("ref", "constant", 3.3, Limit::range(3.2, 3.4, Unit::volt), t));
        Measurement e;
        e.step = "comm";
        e.name = "version";
        e.started = e.ended = t;
        e.set_error(Status(Code::timeout, "no reply"));
        r.measurements.push_back(e);
        std::vector<Verdict> vs;
        for (const auto& m : r.measurements)
            if (m.step != "comm") vs.push_back(m.verdict);  // the run verdict ignores the comm probe here
        r.verdict = aggregate(vs);
        r.state = RunState::completed;
        r.ended = t + std::chrono::minutes(1);
        runs.push_back(r);
    }
    return runs;
}

const MeasurementStats& find(const StatsReport& r, const std::string& key) {
    for (const auto& m : r.measurements)
        if (m.step + "/" + m.name == key) return m;
    throw std::runtime_error("no " + key);
}

void check_hand_computed(const StatsReport& rep) {
    // shutdown_V: mean = 11.00 / 5 = 2.2; squared deviations 0.0025 + 0 + 0.0025 + 0.0004 + 0.0004
    // = 0.0058, s = sqrt(0.0058 / 4); Cpk = min(2.4 - 2.2, 2.2 - 2.0) / (3 s).
    const auto& sd = find(rep, "ramp/shutdown_V");
    EXPECT_EQ(sd.count, 5u);
    EXPECT_NEAR(sd.mean, 2.2, 1e-12);
    EXPECT_NEAR(sd.stddev, std::sqrt(0.0058 / 4), 1e-12);
    EXPECT_DOUBLE_EQ(sd.min, 2.15);
    EXPECT_DOUBLE_EQ(sd.max, 2.25);
    ASSERT_TRUE(sd.cpk);
    EXPECT_NEAR(*sd.cpk, 0.2 / (3 * std::sqrt(0.0058 / 4)), 1e-9);  // = 1.7508
    EXPECT_NEAR(*sd.cpk, 1.7508, 1e-4);
    EXPECT_EQ(sd.yield, 1.0);

    // supply_power, one-sided (USL 1.0 W): mean 0.6, squared deviations sum 0.0010,
    // s = sqrt(0.0010 / 4); Cpk = (1.0 - 0.6) / (3 s) = 8.4327.
    const auto& p = find(rep, "power/supply_power");
    EXPECT_NEAR(p.mean, 0.6, 1e-12);
    ASSERT_TRUE(p.cpk);
    EXPECT_NEAR(*p.cpk, 0.4 / (3 * std::sqrt(0.0010 / 4)), 1e-9);
    EXPECT_NEAR(*p.cpk, 8.4327, 1e-4);
    EXPECT_NE(p.cpk_note.find("one-sided"), std::string::npos);

    // power_on_V: two FAIL of five: yield 3/5.
    const auto& po = find(rep, "ramp/power_on_V");
    EXPECT_EQ(po.n_fail, 2u);
    ASSERT_TRUE(po.yield);
    EXPECT_DOUBLE_EQ(*po.yield, 0.6);

    // Undefined Cpk, with the reason.
    const auto& idle = find(rep, "idle/current");
    EXPECT_FALSE(idle.cpk);
    EXPECT_NE(idle.cpk_note.find("no limits"), std::string::npos);
    const auto& c = find(rep, "ref/constant");
    EXPECT_FALSE(c.cpk);
    EXPECT_NE(c.cpk_note.find("standard deviation is 0"), std::string::npos);
    // ERROR without a value: no values, yield 0 (ERROR counts as not passed).
    const auto& e = find(rep, "comm/version");
    EXPECT_EQ(e.count, 0u);
    EXPECT_EQ(e.n_error, 5u);
    EXPECT_EQ(e.yield, 0.0);
}

TEST(Stats, cpk_yield_and_first_pass_yield_match_a_hand_computation) {
    StatsReport rep = compute_stats("qa", qa_runs());
    EXPECT_EQ(rep.runs, 5u);
    check_hand_computed(rep);
    // First runs: A PASS, B FAIL (power_on 2.65 V), C PASS -> 2 of 3 units.
    EXPECT_EQ(rep.first_pass.units, 3u);
    EXPECT_EQ(rep.first_pass.passed_first, 2u);
    EXPECT_NEAR(*rep.first_pass.fpy, 2.0 / 3.0, 1e-12);
}

TEST(Stats, from_the_store_with_since_and_as_text_and_html) {
    auto dir = fresh_dir("stats-store");
    auto store = Store::open(dir / "s.db");
    ASSERT_TRUE(store);
    for (const auto& r : qa_runs()) ASSERT_TRUE((*store)->put(r));
    ASSERT_TRUE((*store)->put(sample_record()));  // another plan: not counted
    auto rep = compute_stats(**store, "qa", std::nullopt);
    ASSERT_TRUE(rep) << rep.status().describe();
    check_hand_computed(*rep);
    EXPECT_EQ(rep->runs, 5u);

    auto later = compute_stats(**store, "qa", at(2026, 11, 11));  // drops A's first run
    ASSERT_TRUE(later);
    EXPECT_EQ(later->runs, 4u);
    EXPECT_EQ(find(*later, "ramp/shutdown_V").count, 4u);

    std::string text = stats_text(*rep);
    EXPECT_NE(text.find("first-pass yield 66.7 %"), std::string::npos) << text;
    EXPECT_NE(text.find("ramp/shutdown_V"), std::string::npos);
    EXPECT_NE(text.find("1.75"), std::string::npos);
    std::string html = stats_html(*rep);
    EXPECT_EQ(std::count(html.begin(), html.end(), '\0'), 0);
    std::size_t svgs = 0;
    for (auto p = html.find("<svg "); p != std::string::npos; p = html.find("<svg ", p + 1)) ++svgs;
    EXPECT_EQ(svgs, 5u);  // one histogram per measurement with values
    EXPECT_NE(html.find(">LSL<"), std::string::npos);
    EXPECT_NE(html.find(">USL<"), std::string::npos);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(Stats, cpk_is_undefined_with_fewer_than_two_values_or_no_spread) {
    std::string why;
    EXPECT_FALSE(cpk(1.0, 0.0, 1, 0.0, 2.0, &why));
    EXPECT_NE(why.find("fewer than 2"), std::string::npos);
    // 60 identical 2.43 V readings: the mean is off by rounding and s is ~1e-15 V, not 0.
    std::vector<RunRecord> same;
    for (int k = 0; k < 60; ++k) {
        RunRecord r;
        r.info = sample_info("S" + std::to_string(k), at(2026, 11, 1) + std::chrono::minutes(k), "s" + std::to_string(k));
        r.measurements.push_back(judged("ramp", "power_on_V", 2.43, Limit::range(2.4, 2.6, Unit::volt), r.info.started));
        same.push_back(r);
    }
    auto rep = compute_stats("eol", same);
    ASSERT_EQ(rep.measurements.size(), 1u);
    EXPECT_FALSE(rep.measurements[0].cpk) << *rep.measurements[0].cpk;
    EXPECT_NE(rep.measurements[0].cpk_note.find("standard deviation is 0"), std::string::npos);

    auto lsl_only = cpk(2.0, 0.1, 10, 1.7, std::nullopt, &why);
    ASSERT_TRUE(lsl_only);
    EXPECT_NEAR(*lsl_only, 1.0, 1e-12);  // (2.0 - 1.7) / 0.3
}

// ---- compare ------------------------------------------------------------------------------

Measurement& named(RunRecord& r, const std::string& step, const std::string& name) {
    for (auto& m : r.measurements)
        if (m.step == step && m.name == name) return m;
    throw std::runtime_error("no " + name);
}

TEST(Compare, identical_rerun_passes) {
    RunRecord base = sample_record();
    RunRecord again = sample_record("JK24-000123", at(2026, 11, 26));
    again.info.run_id = "rerun";
    Comparison c = compare(base, again, 0.25);
    EXPECT_FALSE(c.regression) << comparison_text(c);
    EXPECT_TRUE(c.entries.empty());
    EXPECT_EQ(c.compared, base.measurements.size());
}

TEST(Compare, flags_a_verdict_change_and_a_value_moved_beyond_the_fraction) {
    RunRecord base = sample_record();
    RunRecord run = sample_record();
    run.info.run_id = "candidate";
    // Verdict change: a cell error out of its ±3 mV band.
    Measurement& b3 = named(run, "accuracy_3v3", "cell_error.B3");
    b3.value = 3.5e-3;
    b3.judge();
    ASSERT_EQ(b3.verdict, Verdict::fail);
    // Moved too far: tolerance = half-width 0.2 V, 0.25 x 0.2 = 50 mV; 2.19 -> 2.25 V moves 60 mV.
    Measurement& sd = named(run, "shutdown", "shutdown_V");
    sd.value = 2.25;
    sd.judge();
    ASSERT_EQ(sd.verdict, Verdict::pass);
    // Within the fraction: 2.43 -> 2.45 V is 20 mV of a 50 mV allowance (half-width 0.1 V).
    Measurement& po = named(run, "power_on", "power_on_V");
    po.value = 2.45;
    po.judge();
    Comparison c = compare(base, run, 0.25);
    EXPECT_TRUE(c.regression) << comparison_text(c);
    ASSERT_EQ(c.entries.size(), 2u) << comparison_text(c);
    EXPECT_EQ(c.entries[0].key, "accuracy_3v3/cell_error.B3");
    EXPECT_TRUE(c.entries[0].verdict_worse);
    EXPECT_EQ(c.entries[1].key, "shutdown/shutdown_V");
    EXPECT_TRUE(c.entries[1].moved_too_far);
    EXPECT_NEAR(*c.entries[1].tolerance, 0.2, 1e-12);
    EXPECT_NE(comparison_text(c).find("REGRESSION"), std::string::npos);
    // A larger fraction lets the shutdown move through, not the verdict change.
    Comparison loose = compare(base, run, 0.5);
    EXPECT_TRUE(loose.regression);
    EXPECT_EQ(loose.entries.size(), 1u);
}

TEST(Compare, one_sided_tolerance_is_the_distance_to_the_limit) {
    RunRecord base = sample_record(), run = sample_record();
    named(base, "supply", "supply_power_100V").value = 0.6;  // <= 1.0 W: tolerance 0.4 W
    named(run, "supply", "supply_power_100V").value = 0.65;  // 50 mW < 0.25 x 0.4 W
    for (auto* r : {&base, &run}) named(*r, "supply", "supply_power_100V").judge();
    EXPECT_FALSE(compare(base, run, 0.25).regression) << comparison_text(compare(base, run, 0.25));
    named(run, "supply", "supply_power_100V").value = 0.75;  // 150 mW > 100 mW
    Comparison c = compare(base, run, 0.25);
    EXPECT_TRUE(c.regression);
    ASSERT_EQ(c.entries.size(), 1u);
    EXPECT_NEAR(*c.entries[0].tolerance, 0.4, 1e-12);
    // Record-only values (no limit) are never "moved too far".
    named(run, "supply", "supply_power_100V").value = 0.6;
    named(run, "idle", "idle_current").value = 1.0;
    EXPECT_FALSE(compare(base, run, 0.25).regression);
}

TEST(Compare, better_verdict_is_listed_and_missing_measurements_are_reported) {
    RunRecord base = sample_record(), run = sample_record();
    Measurement& fixed = named(run, "supply", "supply_power_100V");
    fixed.value = 1.0;  // FAIL 1.31 W -> PASS 1.0 W: moves 310 mW, the whole one-sided tolerance
    fixed.judge();
    Comparison better = compare(base, run, 1.5);  // allow the move: only the verdict change remains
    ASSERT_EQ(better.entries.size(), 1u) << comparison_text(better);
    EXPECT_TRUE(better.entries[0].verdict_changed);
    EXPECT_FALSE(better.entries[0].verdict_worse);
    EXPECT_FALSE(better.regression);

    RunRecord shorter = sample_record();
    shorter.measurements.pop_back();  // idle_current gone
    Measurement extra = shorter.measurements[0];
    extra.step = "new_step";
    shorter.measurements.push_back(extra);
    Comparison c = compare(base, shorter, 0.25);
    ASSERT_EQ(c.entries.size(), 2u) << comparison_text(c);
    EXPECT_EQ(c.entries[0].note, "missing in run");
    EXPECT_TRUE(c.entries[0].regression);
    EXPECT_EQ(c.entries[1].note, "missing in baseline");
    EXPECT_FALSE(c.entries[1].regression);
    EXPECT_TRUE(c.regression);
}

}  // namespace
}  // namespace rig::reports
