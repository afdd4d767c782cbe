// Measurement: one judged value of one step, with everything the record needs to show it
// later (limit, uncertainty, decision zone, raw samples, when). The unit of evidence.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "rig/core/clock.hpp"
#include "rig/core/limit.hpp"

namespace rig {

struct Sample {
    TimePoint t;
    double value{0.0};  // SI base unit of the measurement
};

struct Measurement {
    std::string step;   // plan step id, e.g. "accuracy_3v3"
    std::string name;   // measured quantity, e.g. "cell_error.B7"
    double value{std::numeric_limits<double>::quiet_NaN()};  // SI base unit; NaN = no value
    Unit unit{Unit::none};
    Limit limit;
    double uncertainty{0.0};  // expanded uncertainty (k=2), SI base unit
    DecisionRule rule{DecisionRule::simple};
    Verdict verdict{Verdict::error};
    Zone zone{Zone::outside};
    std::string message;      // why: the failed limit, or what the rig could not do
    TimePoint started{};
    TimePoint ended{};
    std::vector<Sample> samples;

    bool has_value() const { return !std::isnan(value); }

    // Judges `value` against `limit` with `rule` and fills verdict, zone and message.
    void judge();
    // Marks the measurement ERROR with what the rig could not do (never FAIL).
    void set_error(const Status& why);
    void set_skipped(std::string why);
};

// Mean, sample standard deviation (n - 1), min and max of samples.
struct SampleStats {
    double mean{0.0};
    double stddev{0.0};
    double min{0.0};
    double max{0.0};
    size_t n{0};
};
SampleStats stats_of(const std::vector<Sample>& samples);

}  // namespace rig
