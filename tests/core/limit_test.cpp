#include <gtest/gtest.h>

#include "rig/core/limit.hpp"
#include "rig/core/measurement.hpp"

using namespace rig;

namespace {
const Limit kShutdown = Limit::range(2.0, 2.4, Unit::volt);
}

TEST(Limit, simple_rule_passes_inside_and_at_both_edges) {
    EXPECT_EQ(judge(2.2, 0.0, kShutdown, DecisionRule::simple).verdict, Verdict::pass);
    EXPECT_EQ(judge(2.0, 0.0, kShutdown, DecisionRule::simple).verdict, Verdict::pass);
    EXPECT_EQ(judge(2.4, 0.0, kShutdown, DecisionRule::simple).verdict, Verdict::pass);
}

TEST(Limit, shutdown_threshold_below_2v0_fails) {
    auto j = judge(1.95, 0.005, kShutdown, DecisionRule::simple);
    EXPECT_EQ(j.verdict, Verdict::fail);
    EXPECT_EQ(j.zone, Zone::outside);
    EXPECT_EQ(judge(2.4001, 0.0, kShutdown, DecisionRule::simple).verdict, Verdict::fail);
}

TEST(Limit, simple_rule_ignores_uncertainty_near_the_edge) {
    auto j = judge(2.002, 0.005, kShutdown, DecisionRule::simple);
    EXPECT_EQ(j.verdict, Verdict::pass);
    EXPECT_EQ(j.zone, Zone::inside);
}

TEST(Limit, guard_banded_value_within_uncertainty_of_an_edge_is_not_proven_and_fails) {
    auto low = judge(2.004, 0.005, kShutdown, DecisionRule::guard_banded);
    EXPECT_EQ(low.verdict, Verdict::fail);
    EXPECT_EQ(low.zone, Zone::guard_band);
    auto high = judge(2.396, 0.005, kShutdown, DecisionRule::guard_banded);
    EXPECT_EQ(high.verdict, Verdict::fail);
    EXPECT_EQ(high.zone, Zone::guard_band);
}

TEST(Limit, guard_banded_value_exactly_one_uncertainty_inside_passes) {
    // The acceptance zone is [low + U, high - U], closed.
    EXPECT_EQ(judge(2.25, 0.25, Limit::range(2.0, 3.0, Unit::volt), DecisionRule::guard_banded).verdict,
              Verdict::pass);
    EXPECT_EQ(judge(2.2, 0.005, kShutdown, DecisionRule::guard_banded).verdict, Verdict::pass);
}

TEST(Limit, guard_banded_value_outside_the_limit_is_outside_not_guard_band) {
    auto j = judge(2.41, 0.005, kShutdown, DecisionRule::guard_banded);
    EXPECT_EQ(j.verdict, Verdict::fail);
    EXPECT_EQ(j.zone, Zone::outside);
}

TEST(Limit, one_sided_limit_guards_only_its_closed_side) {
    auto power = Limit::at_most(1.0, Unit::watt);
    EXPECT_EQ(judge(0.0, 0.01, power, DecisionRule::guard_banded).verdict, Verdict::pass);
    EXPECT_EQ(judge(0.995, 0.01, power, DecisionRule::guard_banded).zone, Zone::guard_band);
    EXPECT_EQ(judge(1.3, 0.01, power, DecisionRule::simple).verdict, Verdict::fail);
}

TEST(Limit, marginal_band_keeps_pass_but_marks_it) {
    auto l = Limit::tolerance(2.0, 0.2, Unit::ampere);
    l.marginal = 0.05;
    auto j = judge(1.82, 0.0, l, DecisionRule::simple);
    EXPECT_EQ(j.verdict, Verdict::pass);
    EXPECT_EQ(j.zone, Zone::marginal);
    EXPECT_EQ(judge(2.0, 0.0, l, DecisionRule::simple).zone, Zone::inside);
}

TEST(Limit, nan_value_is_error_never_fail) {
    EXPECT_EQ(judge(std::nan(""), 0.0, kShutdown, DecisionRule::simple).verdict, Verdict::error);
}

TEST(Limit, parses_the_plan_forms) {
    auto a = Limit::parse("2.0 A ± 10 %", Unit::ampere);
    ASSERT_TRUE(a) << a.status().message();
    EXPECT_NEAR(*a->low, 1.8, 1e-12);
    EXPECT_NEAR(*a->high, 2.2, 1e-12);
    EXPECT_DOUBLE_EQ(*a->nominal, 2.0);
    auto b = Limit::parse("0 mV ± 3 mV", Unit::volt);
    ASSERT_TRUE(b);
    EXPECT_DOUBLE_EQ(*b->low, -0.003);
    EXPECT_DOUBLE_EQ(*b->high, 0.003);
    auto c = Limit::parse("<= 1000 mW", Unit::watt);
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->low);
    EXPECT_DOUBLE_EQ(*c->high, 1.0);
    auto d = Limit::parse(">= 2.4 V", Unit::volt);
    ASSERT_TRUE(d);
    EXPECT_DOUBLE_EQ(*d->low, 2.4);
    auto e = Limit::parse_range("2.0 V", "2.4 V", Unit::volt);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->describe(), "[2.000 V, 2.400 V]");
}

TEST(Limit, bad_limits_are_errors_naming_the_text) {
    auto a = Limit::parse("2 A ± 3 V", Unit::ampere);
    ASSERT_FALSE(a);
    EXPECT_NE(a.status().message().find("2 A ± 3 V"), std::string::npos);
    EXPECT_FALSE(Limit::parse("about 2 A", Unit::ampere));
    auto r = Limit::parse_range("2.4 V", "2.0 V", Unit::volt);
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("above"), std::string::npos);
}

TEST(Measurement, judge_fills_verdict_zone_and_a_message_with_value_and_limit) {
    Measurement m;
    m.name = "shutdown_V";
    m.unit = Unit::volt;
    m.value = 1.95;
    m.limit = kShutdown;
    m.judge();
    EXPECT_EQ(m.verdict, Verdict::fail);
    EXPECT_EQ(m.message, "1.950 V outside [2.000 V, 2.400 V]");
}

TEST(Measurement, io_error_is_recorded_as_error_with_the_status) {
    Measurement m;
    m.set_error(Status(Code::timeout, "dmm scpi-tcp://127.0.0.1:5025 READ?: no reply within 500 ms"));
    EXPECT_EQ(m.verdict, Verdict::error);
    EXPECT_NE(m.message.find("timeout: dmm"), std::string::npos);
}

TEST(Measurement, sample_stats_use_n_minus_1) {
    std::vector<Sample> s{{{}, 1.0}, {{}, 2.0}, {{}, 3.0}};
    auto st = stats_of(s);
    EXPECT_DOUBLE_EQ(st.mean, 2.0);
    EXPECT_DOUBLE_EQ(st.stddev, 1.0);
    EXPECT_DOUBLE_EQ(st.min, 1.0);
    EXPECT_DOUBLE_EQ(st.max, 3.0);
}
