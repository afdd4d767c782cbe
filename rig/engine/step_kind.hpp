// Step kinds: the library of things a plan step can do (rig/engine/steps/, one file per
// family), registered in one table. A kind declares its parameters (checked at plan load),
// an optional extra check against the fixture, and a run function that commands the bench
// through a StepContext and returns Measurements. A run function returns a non-ok Status
// only when the RIG could not do its job (I/O, interlock, cancelled): that becomes ERROR,
// never FAIL. A DUT that misbehaves is a judged Measurement (FAIL), never a Status.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "drivers/dut_link.hpp"
#include "rig/core/clock.hpp"
#include "rig/core/measurement.hpp"
#include "rig/engine/bench.hpp"
#include "rig/engine/plan.hpp"

namespace rig::engine {

// What the sequencer knows of earlier steps (for conditions and `check` steps).
struct RunResults {
    std::map<std::string, Verdict> step_verdicts;   // by step id (only steps that ran or were skipped)
    std::map<std::string, double> values;           // "<step>.<measurement>" -> value (SI)
    std::map<std::string, Unit> units;              // "<step>.<measurement>" -> its unit
};

class StepContext {
public:
    StepContext(Bench& bench, Clock& clock, std::stop_token stop, const Plan& plan, const Step& step,
                const RunResults& results, TimePoint deadline)
        : bench(bench), clock(clock), stop(std::move(stop)), plan(plan), step(step),
          results(results), deadline(deadline) {}

    Bench& bench;
    Clock& clock;
    std::stop_token stop;
    const Plan& plan;
    const Step& step;
    const Params& p() const { return step.params; }
    const RunResults& results;
    TimePoint deadline;   // the step's timeout

    TimePoint now() const { return clock.now(); }
    bool past_deadline() const { return clock.now() >= deadline; }
    // Sleeps on the rig clock (wakes at once on a stop request). Long sleeps are cut into
    // slices with a keep-alive to the cell emulator between them, so its communication
    // watchdog (outputs off when nobody talks to it) never trips during a planned wait.
    Status sleep_until(TimePoint t);
    Status sleep_for(Duration d) { return sleep_until(clock.now() + d); }
    Status sleep_for(Seconds s) { return sleep_for(std::chrono::duration_cast<Duration>(s)); }

    // A new measurement of this step: judged against `limit` with the plan's decision rule.
    Measurement& add(std::string name, double value, Unit unit, Limit limit, double uncertainty,
                     TimePoint started, std::vector<Sample> samples = {});
    // A record-only value (always PASS when it has a value).
    Measurement& note(std::string name, double value, Unit unit, TimePoint started);
    // A measurement the rig could not make: ERROR with why (never FAIL).
    Measurement& error(std::string name, const Status& why, TimePoint started);
    Measurement& skipped(std::string name, std::string why);

    std::vector<Measurement>& measurements() { return measurements_; }

private:
    std::vector<Measurement> measurements_;
};

// Checks a step against the fixture at plan validation (beyond each parameter's SafeRole);
// throws ConfigError through fail().
using ValidateFn = std::function<void(const Step&, const Fixture&, const SocketSpec&)>;
// Extra checks at plan load, after the parameters are typed (patterns, value texts whose
// unit depends on another parameter); throws ConfigError through fail_param().
using CheckFn = std::function<void(Step&)>;
using RunFn = Status (*)(StepContext&);

struct StepKind {
    std::string_view name;
    std::string_view help;
    std::vector<ParamSpec> params;
    RunFn run{nullptr};
    Duration default_timeout{std::chrono::seconds(10)};
    ValidateFn validate{};
    CheckFn check{};
};

std::span<const StepKind> step_kinds();
const StepKind* find_step_kind(std::string_view name);

// A ConfigError at the step's parameter `param` (or at the step itself when absent).
[[noreturn]] void fail_param(const Step& step, std::string_view param, const std::string& why);

}  // namespace rig::engine
