// Session: one unit tested end to end, as `rig run` does it and the end-to-end tests and
// benchmarks repeat it: the run's identity and record header (RunInfo: who, what, which
// instruments, fixture and plan hashes), the record sinks (run directory + results store,
// through reports/), and the sequencer run. Also the test socket's setup around it:
// virtual bench, clock hooked to its control port.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "drivers/simctl.hpp"
#include "rig/engine/bench.hpp"
#include "rig/engine/plan.hpp"
#include "rig/engine/sequencer.hpp"

namespace rig::engine {

// "<station>-<UTC yyyymmddThhmmss>-<serial>-<n>"
std::string make_run_id(const std::string& station, TimePoint t, const std::string& serial, int n);

struct UnitOptions {
    std::string serial;
    std::string operator_name;
    std::optional<std::uint64_t> seed;                 // virtual units
    std::map<std::string, std::string> sim_settings;   // virtual units
    std::filesystem::path out_dir;                     // records go to out_dir/<run_id>/ ("" = none)
    std::filesystem::path db_file;                     // results store ("" = none)
    reports::RecordSink* extra_sink{nullptr};          // also fed (tests)
    RunOptions run;
};

struct UnitResult {
    std::string run_id;
    std::filesystem::path record_dir;   // empty without out_dir
    RunOutcome outcome;
};

// Builds the record header for a run of `plan` on `bench`.
reports::RunInfo make_run_info(const Fixture& fixture, const Plan& plan, const Bench& bench, const Clock& clock,
                               const UnitOptions& options, const std::string& run_id);

// Runs one unit: sinks opened (an unopenable sink is an ERROR run, still ended and safe),
// sequencer run, outcome returned.
UnitResult run_unit(const Fixture& fixture, const Plan& plan, Bench& bench, Clock& clock,
                    const UnitOptions& options, std::stop_token stop);

// A clock for a socket: real time, or virtual time driving the virtual bench's clock over
// its control port (the fixture's [sim] control) on every advance.
struct SocketClock {
    std::unique_ptr<Clock> clock;
    std::unique_ptr<drivers::SimControl> control;  // null in real time
};
Result<SocketClock> make_socket_clock(const Fixture& resolved_fixture, bool virtual_time);

}  // namespace rig::engine
