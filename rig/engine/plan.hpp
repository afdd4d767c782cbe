// The test plan: what to test and the limits, in physical units, as data (testplans/*.toml;
// author's guide: docs/plans.md). Loaded and checked before anything touches hardware:
// every key known, every step kind known, every parameter's name, type and unit checked,
// sweeps expanded, conditions parsed; then validate_for_fixture() checks every commanded
// value against the fixture's safe limits. Every error is a ConfigError naming
// file:line:column and the key.
//
//   [plan]      name, version, dut_model, description,
//               stop_policy = "stop_on_first_failure" | "continue" | "stop_on_error",
//               decision_rule = "simple" | "guard_banded"
//   [settings]  cell_count = 24, trigger_delta = "10 mV", max_balance_current = "2 A",
//               balancing_switch = true        (written to the DUT after [[setup]])
//   [[setup]] / [[steps]] / [[cleanup]]  (cleanup always runs)
//               id, kind, <parameters of the kind>, when, retry, timeout, description,
//               for_each = { name = "v", values = [...] } | { name = "v", from, to, step }
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rig/core/clock.hpp"
#include "rig/core/config.hpp"
#include "rig/engine/condition.hpp"
#include "rig/engine/params.hpp"
#include "rig/fixture/fixture.hpp"

namespace rig::engine {

struct StepKind;

enum class StopPolicy : unsigned char { stop_on_first_failure, continue_all, stop_on_error };
std::string_view to_string(StopPolicy p);
std::optional<StopPolicy> parse_stop_policy(std::string_view text);

enum class Section : unsigned char { setup, steps, cleanup };
std::string_view to_string(Section s);

struct Step {
    std::string id;
    std::string kind_name;
    const StepKind* kind{nullptr};
    Section section{Section::steps};
    std::string description;
    Params params;
    std::optional<Condition> when;
    int retry{0};                        // extra attempts on a retryable error
    std::optional<Duration> timeout;     // overrides the kind's default
    SourcePos where;
    std::string key;                     // "steps[4]"
};

// A DUT setting of [settings], in protocol units (cells, mV, mA, 0/1).
struct PlanSetting {
    std::string name;  // cell_count | trigger_delta | max_balance_current | balancing_switch
    int value{0};
    SourcePos where;
};

struct Plan {
    std::string file;
    std::string name, version, dut_model, description;
    StopPolicy stop_policy{StopPolicy::stop_on_first_failure};
    DecisionRule rule{DecisionRule::guard_banded};
    std::vector<PlanSetting> settings;
    std::vector<Step> setup, steps, cleanup;

    size_t step_count() const { return setup.size() + steps.size() + cleanup.size(); }
    std::optional<int> setting(std::string_view name) const;
};

// Loads and checks a plan. Throws ConfigError (file:line:col, key, what).
Plan load_plan(const std::string& path);
Plan parse_plan(std::string_view text, const std::string& name);

// Checks the plan against a fixture's socket without touching hardware: commanded voltages
// and currents inside the safe limits, pins wired, roles the steps need present.
// Throws ConfigError naming the plan's file:line and key.
void validate_for_fixture(const Plan& plan, const Fixture& fixture, const SocketSpec& socket);

}  // namespace rig::engine
