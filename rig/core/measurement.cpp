#include "rig/core/measurement.hpp"

#include <algorithm>

namespace rig {

void Measurement::judge() {
    auto j = rig::judge(value, uncertainty, limit, rule);
    verdict = j.verdict;
    zone = j.zone;
    if (!has_value()) {
        if (message.empty()) message = "no value";
        return;
    }
    std::string v = format_quantity(value, unit);
    switch (zone) {
        case Zone::inside: message = v + " within " + limit.describe(); break;
        case Zone::marginal: message = v + " within " + limit.describe() + " (marginal)"; break;
        case Zone::guard_band:
            message = v + " within " + limit.describe() + " but inside the guard band of ±" +
                      format_quantity(uncertainty, unit) + ": not proven";
            break;
        case Zone::outside: message = v + " outside " + limit.describe(); break;
    }
}

void Measurement::set_error(const Status& why) {
    verdict = Verdict::error;
    zone = Zone::outside;
    message = why.describe();
}

void Measurement::set_skipped(std::string why) {
    verdict = Verdict::skipped;
    zone = Zone::inside;
    message = std::move(why);
}

SampleStats stats_of(const std::vector<Sample>& samples) {
    SampleStats s;
    s.n = samples.size();
    if (samples.empty()) return s;
    double sum = 0;
    s.min = s.max = samples.front().value;
    for (const auto& x : samples) {
        sum += x.value;
        s.min = std::min(s.min, x.value);
        s.max = std::max(s.max, x.value);
    }
    s.mean = sum / static_cast<double>(s.n);
    double ss = 0;
    for (const auto& x : samples) ss += (x.value - s.mean) * (x.value - s.mean);
    s.stddev = s.n > 1 ? std::sqrt(ss / static_cast<double>(s.n - 1)) : 0.0;
    return s;
}

}  // namespace rig
