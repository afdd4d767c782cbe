// The run record: one per unit run, the source of truth every report is a view of
// (principle 6). The sequencer feeds a RecordSink as the run goes, so a run that dies
// leaves a record marked aborted with everything measured up to then.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rig/core/clock.hpp"
#include "rig/core/measurement.hpp"
#include "rig/core/status.hpp"

namespace rig::reports {

struct InstrumentRecord {
    std::string id;          // fixture instrument id
    std::string kind;        // cell_emulator, supply, ...
    std::string model;       // fixture model name
    std::string connection;
    std::string manufacturer, identity_model, serial, firmware;  // as read at connect
    std::string calibration_due;  // "YYYY-MM-DD" or ""
};

struct RunInfo {
    std::string run_id;      // unique: "<station>-<UTC yyyymmddThhmmss>-<serial>-<n>"
    std::string serial;      // DUT serial number
    std::string operator_name;
    std::string station;
    std::string socket;
    std::string fixture_file, fixture_sha256;
    std::string plan_name, plan_version, plan_file, plan_sha256;
    std::string dut_model;   // from the plan
    std::string dut_identity, dut_firmware;  // from the DUT link where it gives them
    std::vector<InstrumentRecord> instruments;
    std::string clock;       // "real" or "virtual"
    std::optional<std::uint64_t> seed;        // virtual units
    std::map<std::string, std::string> sim_settings;  // virtual units: twin settings
    TimePoint started{};
};

enum class RunState : unsigned char { running, completed, aborted };
std::string_view to_string(RunState s);
std::optional<RunState> parse_run_state(std::string_view text);  // "running", ...

struct RunRecord {
    RunInfo info;
    std::vector<Measurement> measurements;
    RunState state{RunState::running};
    Verdict verdict{Verdict::error};
    std::string reason;      // why the verdict: first FAIL/ERROR measurement, or abort cause
    TimePoint ended{};
};

// The reason every reader and the store give a run that was left "running" by a writer
// that no longer exists (killed, crashed, power lost).
inline constexpr std::string_view kStoppedReason = "rig stopped before the run ended";

// Receives a run as it happens. Each call is durable when it returns (a sink that cannot
// write returns an error, and the sequencer stops the run with ERROR).
class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual Status begin(const RunInfo& info) = 0;
    virtual Status add(const Measurement& m) = 0;
    virtual Status end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) = 0;
};

}  // namespace rig::reports
