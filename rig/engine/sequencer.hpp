// Sequencer: runs one plan on one socket through its Bench, reading only a rig::Clock, and
// turns every step into judged Measurements that go to a RecordSink as they are made.
//
// Order: connect the bench (idempotent) -> [[setup]] -> [settings] written to the DUT -> [[steps]] -> [[cleanup]] (always) ->
// Bench::safe() (always). The plan's stop policy decides whether a FAIL/ERROR ends the
// setup+steps part early; steps not run are recorded SKIPPED with the reason. An I/O error
// is never a FAIL: it is ERROR with the failing Status' message. A step whose error is
// retryable (Status recovery retry_call / retry_step) is re-run up to its `retry` count;
// only the measurements of its last attempt are kept. A stop request (std::stop_token:
// signal, operator) wakes every sleep at once; the run is then `aborted`, verdict ERROR,
// and cleanup + safe() still run.
//
// One Sequencer per socket; several may run in one process (no globals: each has its own
// bench, clock and sink; shared instruments serialise themselves).
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "reports/record.hpp"
#include "rig/core/clock.hpp"
#include "rig/engine/bench.hpp"
#include "rig/engine/plan.hpp"

namespace rig::engine {

struct StepOutcome {
    std::string id;
    std::string kind;
    Section section{Section::steps};
    Verdict verdict{Verdict::pass};   // worst of its measurements (PASS when it measured nothing)
    Duration duration{};
    int attempts{0};
    size_t measurements{0};
    std::string message;              // first FAIL/ERROR message, or the skip reason
};

struct RunOutcome {
    reports::RunState state{reports::RunState::completed};
    Verdict verdict{Verdict::error};
    std::string reason;
    std::vector<Measurement> measurements;
    std::vector<StepOutcome> steps;
    TimePoint started{}, ended{};
};

struct RunOptions {
    std::optional<StopPolicy> stop_policy;  // overrides the plan's
    // Called after each step (progress lines); never from inside a step.
    std::function<void(const StepOutcome&, size_t index, size_t total)> on_step;
};

class Sequencer {
public:
    Sequencer(Bench& bench, Clock& clock, reports::RecordSink& sink) : bench_(bench), clock_(clock), sink_(sink) {}

    // `info` goes to the sink's begin() as given (the caller fills identities, hashes).
    RunOutcome run(const Plan& plan, const reports::RunInfo& info, std::stop_token stop,
                   const RunOptions& options = {});

private:
    Bench& bench_;
    Clock& clock_;
    reports::RecordSink& sink_;
};

}  // namespace rig::engine
