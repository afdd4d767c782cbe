// Statistics for QA over the runs of one plan: per measurement (keyed "step/name") count,
// mean, sample standard deviation, min, max, yield and Cpk against its limits; first-pass
// yield per unit. Output as a text table and as a self-contained HTML page with an inline
// SVG histogram per measurement (limits marked).
//
// Definitions (docs/reports.md, "Statistics"):
//   values  measurements with a value (not NaN) and not SKIPPED
//   yield   PASS / (PASS + FAIL + ERROR)   (SKIPPED measurements are not counted)
//   Cpk     min(USL - mean, mean - LSL) / (3 s); with one limit open, only the closed side;
//           undefined (with the reason) when there is no limit, fewer than 2 values or s = 0.
//           Limits are those of the most recent run (a note says when they changed).
//   FPY     share of serials whose FIRST run of the plan (in the window) was PASS.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/record.hpp"
#include "reports/store.hpp"

namespace rig::reports {

struct MeasurementStats {
    std::string step, name;
    Unit unit{Unit::none};
    std::optional<double> low, high;  // limits of the most recent run
    bool limits_changed{false};
    std::size_t count{0};  // values
    std::size_t n_pass{0}, n_fail{0}, n_error{0}, n_skipped{0};
    double mean{0}, stddev{0}, min{0}, max{0};
    std::optional<double> yield;  // nullopt when nothing was judged
    std::optional<double> cpk;
    std::string cpk_note;  // why Cpk is undefined, or "one-sided (USL)"
    std::vector<double> values;
};

struct FirstPassYield {
    std::size_t units{0}, passed_first{0};
    std::optional<double> fpy;
};

struct StatsReport {
    std::string plan;
    std::optional<TimePoint> since;
    std::size_t runs{0};
    std::vector<MeasurementStats> measurements;  // in first-seen order
    FirstPassYield first_pass;
};

// Per-run facts needed for FPY.
struct RunFacts {
    std::string run_id, serial;
    TimePoint started{};
    Verdict verdict{Verdict::error};
};

StatsReport compute_stats(const std::string& plan, std::optional<TimePoint> since, const std::vector<RunFacts>& runs,
                          const std::vector<MeasurementRow>& rows);
// Convenience for records in memory (tests, a directory of record.json files).
StatsReport compute_stats(const std::string& plan, const std::vector<RunRecord>& records);
Result<StatsReport> compute_stats(Store& store, const std::string& plan, std::optional<TimePoint> since);

// Cpk of values with mean/s against optional limits; nullopt + reason when undefined.
std::optional<double> cpk(double mean, double stddev, std::size_t n, std::optional<double> lsl,
                          std::optional<double> usl, std::string* why = nullptr);

std::string stats_text(const StatsReport& r);
std::string stats_html(const StatsReport& r);

}  // namespace rig::reports
