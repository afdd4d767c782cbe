// Step conditions: the small language of `when = "..."`.
#include <gtest/gtest.h>

#include "rig/engine/condition.hpp"

using namespace rig;
using namespace rig::engine;

namespace {

class Env final : public ConditionEnv {
public:
    std::map<std::string, bool> facts;
    std::map<std::string, double> numbers;
    std::optional<bool> fact(const std::string& n) const override {
        auto it = facts.find(n);
        return it == facts.end() ? std::nullopt : std::optional<bool>(it->second);
    }
    std::optional<double> number(const std::string& n) const override {
        auto it = numbers.find(n);
        return it == numbers.end() ? std::nullopt : std::optional<double>(it->second);
    }
};

const std::set<std::string> kSteps = {"up", "ramp"};

bool eval(const std::string& text, const Env& env) {
    auto c = Condition::parse(text, kSteps);
    EXPECT_TRUE(c.is_ok()) << c.status().message();
    return c && c->eval(env);
}

}  // namespace

TEST(Condition, a_fact_of_the_fixture_is_read_from_the_environment) {
    Env env;
    env.facts["fixture.has_temperature"] = true;
    EXPECT_TRUE(eval("fixture.has_temperature", env));
    EXPECT_FALSE(eval("not fixture.has_temperature", env));
}

TEST(Condition, comparisons_take_quantities_with_units) {
    Env env;
    env.numbers["ramp.shutdown_V"] = 2.195;
    EXPECT_TRUE(eval("ramp.shutdown_V > 2.1 V", env));
    EXPECT_TRUE(eval("ramp.shutdown_V < 2200 mV", env));
    EXPECT_FALSE(eval("ramp.shutdown_V >= 2.2 V", env));
    EXPECT_TRUE(eval("ramp.shutdown_V != 2.2 V", env));
}

TEST(Condition, and_binds_tighter_than_or_and_parentheses_group) {
    Env env;
    env.facts["up.passed"] = true;
    env.facts["ramp.failed"] = false;
    env.facts["fixture.has_temperature"] = false;
    EXPECT_TRUE(eval("up.passed or ramp.failed and fixture.has_temperature", env));
    EXPECT_FALSE(eval("(up.passed or ramp.failed) and fixture.has_temperature", env));
}

TEST(Condition, a_comparison_with_no_value_is_false) {
    Env env;
    EXPECT_FALSE(eval("ramp.shutdown_V > 2 V", env));
    EXPECT_TRUE(eval("not ramp.shutdown_V > 2 V", env));
}

TEST(Condition, names_of_later_or_unknown_steps_are_refused_at_load) {
    auto c = Condition::parse("later.passed", kSteps);
    ASSERT_FALSE(c);
    EXPECT_NE(c.status().message().find("not the id of an earlier step"), std::string::npos);
    EXPECT_FALSE(Condition::parse("fixture.colour", kSteps));
    EXPECT_FALSE(Condition::parse("later.value > 3 V", kSteps));
}

TEST(Condition, syntax_errors_say_what_is_wrong) {
    auto c = Condition::parse("up.passed and", kSteps);
    ASSERT_FALSE(c);
    EXPECT_NE(c.status().message().find("expected a name"), std::string::npos);
    EXPECT_FALSE(Condition::parse("(up.passed", kSteps));
    EXPECT_FALSE(Condition::parse("fixture.cell_count = 24", kSteps));
    EXPECT_FALSE(Condition::parse("fixture.cell_count > ", kSteps));
    EXPECT_FALSE(Condition::parse("up.passed up.passed", kSteps));
}
