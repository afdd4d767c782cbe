// Plan loading: the catalogue of named good and bad plans in tests/data/plans/. Each bad
// plan says in its header which key the error must name (# expect-key:), what it must say
// (# expect:), and marks the offending line with "# <- error" (or gives # expect-line:).
// unsafe-*.toml load fine and must be refused by validate_for_fixture (# fixture:).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "rig/engine/plan.hpp"
#include "rig/engine/step_kind.hpp"

namespace fs = std::filesystem;
using namespace rig;
using namespace rig::engine;

namespace {

struct Expect {
    std::string key, message, fixture;
    int line{0};
};

Expect read_expect(const fs::path& p) {
    Expect e;
    std::ifstream in(p);
    std::string l;
    int n = 0;
    while (std::getline(in, l)) {
        ++n;
        auto value = [&](std::string_view tag) -> std::optional<std::string> {
            if (!l.starts_with(tag)) return std::nullopt;
            auto v = l.substr(tag.size());
            while (!v.empty() && v.front() == ' ') v.erase(v.begin());
            return v;
        };
        if (auto v = value("# expect-key:")) e.key = *v;
        else if (auto v = value("# expect-line:")) e.line = std::stoi(*v);
        else if (auto v = value("# expect:")) e.message = *v;
        else if (auto v = value("# fixture:")) e.fixture = *v;
        if (e.line == 0 && l.find("# <- error") != std::string::npos) e.line = n;
    }
    return e;
}

std::vector<fs::path> catalogue(std::string_view prefix) {
    std::vector<fs::path> out;
    for (auto& f : fs::directory_iterator(fs::path(RIG_TEST_DATA) / "plans"))
        if (f.path().filename().string().starts_with(prefix)) out.push_back(f.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(PlanCatalogue, every_good_plan_loads) {
    auto good = catalogue("good-");
    ASSERT_GE(good.size(), 4u);
    for (auto& p : good) {
        SCOPED_TRACE(p.filename().string());
        EXPECT_NO_THROW(load_plan(p.string()));
    }
}

TEST(PlanCatalogue, every_bad_plan_is_refused_naming_file_line_and_key) {
    auto bad = catalogue("bad-");
    ASSERT_GE(bad.size(), 20u);
    for (auto& p : bad) {
        SCOPED_TRACE(p.filename().string());
        Expect e = read_expect(p);
        try {
            load_plan(p.string());
            ADD_FAILURE() << "loaded without error";
        } catch (const ConfigError& err) {
            std::string what = err.what();
            EXPECT_EQ(err.where().file, p.string()) << what;
            if (e.line > 0) {
                EXPECT_EQ(err.where().line, e.line) << what;
            }
            if (!e.key.empty()) {
                EXPECT_EQ(err.key(), e.key) << what;
            }
            EXPECT_NE(what.find(e.message), std::string::npos) << what;
            EXPECT_NE(what.find(p.string() + ":"), std::string::npos) << what;
        }
    }
}

TEST(PlanCatalogue, every_unsafe_plan_loads_but_fails_fixture_validation_at_its_line) {
    auto unsafe = catalogue("unsafe-");
    ASSERT_GE(unsafe.size(), 5u);
    for (auto& p : unsafe) {
        SCOPED_TRACE(p.filename().string());
        Expect e = read_expect(p);
        Fixture fx = load_fixture((fs::path(RIG_SOURCE_DIR) / e.fixture).string());
        Plan plan = load_plan(p.string());
        try {
            validate_for_fixture(plan, fx, fx.sockets.at(0));
            ADD_FAILURE() << "validated without error";
        } catch (const ConfigError& err) {
            std::string what = err.what();
            EXPECT_EQ(err.where().line, e.line) << what;
            EXPECT_EQ(err.key(), e.key) << what;
            EXPECT_NE(what.find(e.message), std::string::npos) << what;
        }
    }
}

TEST(PlanLoading, the_shipped_plans_validate_against_the_virtual_fixture) {
    Fixture fx = load_fixture(std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml");
    for (auto name : {"eol", "qa", "firmware"}) {
        SCOPED_TRACE(name);
        Plan plan = load_plan(std::string(RIG_SOURCE_DIR) + "/testplans/" + name + ".toml");
        EXPECT_NO_THROW(validate_for_fixture(plan, fx, fx.sockets.at(0)));
        EXPECT_FALSE(plan.steps.empty());
    }
}

TEST(PlanLoading, header_settings_and_sections_are_read) {
    Plan p = load_plan(std::string(RIG_TEST_DATA) + "/plans/good-everything.toml");
    EXPECT_EQ(p.stop_policy, StopPolicy::continue_all);
    EXPECT_EQ(p.rule, DecisionRule::simple);
    EXPECT_EQ(p.setting("cell_count"), 16);
    EXPECT_EQ(p.setting("trigger_delta"), 10);           // mV
    EXPECT_EQ(p.setting("max_balance_current"), 1500);   // mA
    EXPECT_EQ(p.setting("balancing_switch"), 1);
    ASSERT_EQ(p.setup.size(), 1u);
    ASSERT_EQ(p.cleanup.size(), 1u);
    const Step& ramp = p.steps.at(0);
    EXPECT_EQ(ramp.retry, 1);
    ASSERT_TRUE(ramp.timeout.has_value());
    EXPECT_EQ(*ramp.timeout, std::chrono::seconds(20));
    // [">= 2.0 V", "<= 2.4 V"] is one two-sided limit.
    const Limit& l = ramp.params.limit("limit");
    EXPECT_DOUBLE_EQ(*l.low, 2.0);
    EXPECT_DOUBLE_EQ(*l.high, 2.4);
    // Defaults are present and typed.
    EXPECT_DOUBLE_EQ(ramp.params.q("resolution"), 0.010);
    EXPECT_FALSE(ramp.params.given("resolution"));
    // A bare value is an exact limit in the source's unit.
    const Step& meas = p.steps.at(3);
    EXPECT_DOUBLE_EQ(*meas.params.limit("limit").low, 16.0);
    EXPECT_DOUBLE_EQ(*meas.params.limit("limit").high, 16.0);
}

TEST(PlanSweeps, a_value_list_expands_into_one_step_per_value_with_the_value_substituted) {
    Plan p = load_plan(std::string(RIG_TEST_DATA) + "/plans/good-sweep-values.toml");
    ASSERT_EQ(p.steps.size(), 3u);
    EXPECT_EQ(p.steps[0].id, "acc_1.0V");
    EXPECT_EQ(p.steps[1].id, "acc_3.3V");
    EXPECT_EQ(p.steps[2].id, "acc_5.0V");
    EXPECT_DOUBLE_EQ(p.steps[1].params.q("voltage"), 3.3);
}

TEST(PlanSweeps, a_range_includes_both_ends_and_keeps_the_unit_text_of_from) {
    Plan p = load_plan(std::string(RIG_TEST_DATA) + "/plans/good-sweep-range.toml");
    ASSERT_EQ(p.steps.size(), 5u);
    EXPECT_EQ(p.steps[0].id, "acc_1V");
    EXPECT_EQ(p.steps[1].id, "acc_1.25V");
    EXPECT_EQ(p.steps[4].id, "acc_2V");
    EXPECT_DOUBLE_EQ(p.steps[4].params.q("voltage"), 2.0);
}

TEST(PlanSweeps, millivolt_ranges_do_not_accumulate_rounding_error) {
    Plan p = parse_plan(R"(
[plan]
name = "t"
version = "1"
dut_model = "x"
[[steps]]
id = "b_{d}"
kind = "balance_current"
for_each = { name = "d", from = "20 mV", to = "1000 mV", step = "20 mV" }
deltas = ["{d}"]
)",
                        "mem.toml");
    ASSERT_EQ(p.steps.size(), 50u);
    EXPECT_EQ(p.steps.back().id, "b_1000mV");
    EXPECT_DOUBLE_EQ(p.steps.back().params.list("deltas").at(0), 1.0);
}

TEST(PlanLoading, every_step_kind_has_a_run_function_and_loadable_defaults) {
    for (auto& k : step_kinds()) {
        SCOPED_TRACE(std::string(k.name));
        EXPECT_NE(k.run, nullptr);
        EXPECT_FALSE(k.help.empty());
    }
    // A step of a kind with only defaults loads (defaults parse).
    EXPECT_NO_THROW(parse_plan(R"(
[plan]
name = "t"
version = "1"
dut_model = "x"
[[steps]]
id = "a"
kind = "balance_leads"
[[steps]]
id = "b"
kind = "no_balancing"
[[steps]]
id = "c"
kind = "settle"
[[steps]]
id = "d"
kind = "cell_count"
)",
                               "mem.toml"));
}
