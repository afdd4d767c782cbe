// Baseline comparison for firmware validation: the same plan run on a reference unit or
// firmware (baseline) and on the candidate (run). Measurements are matched by
// "step/name" (the k-th occurrence with the k-th, for repeated steps).
//
// An entry is listed when its verdict changed, its value moved by more than
// fraction x tolerance, or it is missing on one side. Tolerance: the half-width of the
// baseline's limit; with one side open, the distance from the baseline value to the closed
// limit; with no limit, values are not compared. Regression: any verdict got worse
// (PASS < SKIPPED < FAIL < ERROR), any value moved too far, or a baseline measurement is
// missing from the run (less evidence is never "no change"). See docs/reports.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/record.hpp"

namespace rig::reports {

struct CompareEntry {
    std::string key;  // "step/name" (with "#k" for the k-th repeat, k >= 2)
    std::optional<Measurement> baseline, run;
    bool verdict_changed{false}, verdict_worse{false}, moved_too_far{false};
    std::optional<double> delta;      // run - baseline, SI
    std::optional<double> tolerance;  // SI
    bool regression{false};
    std::string note;
};

struct Comparison {
    std::string baseline_id, run_id;
    double fraction{0.25};
    std::size_t compared{0};  // measurements present on both sides
    std::vector<CompareEntry> entries;  // only those that changed or are missing
    bool regression{false};
};

Comparison compare(const RunRecord& baseline, const RunRecord& run, double fraction);
std::string comparison_text(const Comparison& c);

}  // namespace rig::reports
