// Session: one unit tested end to end, as `rig run` does it and the end-to-end tests and
// benchmarks repeat it: the run's identity and record header (RunInfo: who, what, which
// instruments, fixture and plan hashes), the record sinks (run directory + results store,
// through reports/), and the sequencer run. Also the test socket's setup around it:
// virtual bench, clock hooked to its control port; several sockets of one fixture tested
// side by side (socket_lanes, run_sockets); and a socket powered outside any plan, the way
// a plan's power_up step does it (rig probe --power).
//
// Several sockets and time: sockets that share a B+ path or emulator channels share one
// lane and run one after the other; lanes run in parallel threads, each socket with its
// own Bench and record. A VirtualClock moves when its socket sleeps, so it may be shared
// only by the sockets of one lane: two lanes on one virtual clock would move each other's
// physics in the middle of a step, and the same seed would no longer give the same
// readings. Sockets on different worlds (different virtual benches) have a clock each and
// may run in parallel; the sockets of one virtual bench run in one lane on its one clock.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "drivers/simctl.hpp"
#include "reports/durable.hpp"
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
    // When each record write reaches the disk. end_of_run (the default): every measurement
    // is committed as it is taken (it survives kill -9 of the rig) and synced to disk at
    // the end of the unit; every_call syncs each one (it also survives a power loss, at
    // ~4 ms per measurement). See reports/durable.hpp.
    reports::Durability durability{reports::Durability::end_of_run};
    // The fixture file the user gave, when `fixture` is a resolved copy of it (--sim).
    std::filesystem::path fixture_file;
    reports::RecordSink* extra_sink{nullptr};          // also fed (tests)
    RunOptions run;
};

struct UnitResult {
    std::string run_id;
    std::filesystem::path record_dir;   // empty without out_dir
    RunOutcome outcome;
};

// Builds the record header for a run of `plan` on `bench` (identities are the sequencer's
// to add: they are read at connect).
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

// Which of `sockets` may test at the same time. A plan switches B+ and judges the DUT by
// its B+ current (start-up, shutdown, power), so sockets sharing a supply, a meter, a
// relay of one relay board or an emulator channel would see and disturb each other's DUT:
// they go in one lane. A shared instrument used for disjoint channels / relays / inputs
// (a 48-channel emulator, one relay board, the lid interlock) does not join lanes.
// Lanes hold indexes into `sockets`, in order.
std::vector<std::vector<size_t>> socket_lanes(const std::vector<const SocketSpec*>& sockets);

struct SocketUnit {
    Bench* bench{nullptr};
    Clock* clock{nullptr};  // see the header comment on sharing a virtual clock
    UnitOptions options;
};
// One unit per socket: the units of a lane one after the other (the next starts only when
// the previous one's bench is safe), the lanes in parallel threads. Results in the order
// of `units`. A stop request ends every lane's current run (aborted) and starts no more.
std::vector<UnitResult> run_sockets(const Fixture& fixture, const Plan& plan, std::vector<SocketUnit>& units,
                                    const std::vector<std::vector<size_t>>& lanes, std::stop_token stop);

// Powers `bench`'s socket through the power_up step kind, outside any plan: the kind's
// plan-independent defaults (cells 3.3 V, B+ 48 V, 0.2 A limit) unless overridden, checked
// against the fixture's safe limits, then waits up to the kind's timeout for the DUT to
// answer. Value: the DUT answered. An I/O error or an open interlock is the Status
// (invalid_argument: an override outside the safe limits). The caller puts the bench in its
// safe state afterwards, whatever happened.
struct PowerUpOverrides {
    std::optional<Volts> cells;           // voltage on every wired pin
    std::optional<Volts> supply_voltage;  // B+
};
Result<bool> power_up_socket(const Fixture& fixture, Bench& bench, Clock& clock, const PowerUpOverrides& overrides,
                             std::stop_token stop);
// The same checks without touching anything (before a command energises a bench):
// invalid_argument naming the parameter and the safe limit.
Status check_power_up(const Fixture& fixture, const SocketSpec& socket, const PowerUpOverrides& overrides);

}  // namespace rig::engine
