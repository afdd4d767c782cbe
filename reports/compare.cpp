#include "reports/compare.hpp"

#include <cmath>
#include <map>

#include <fmt/format.h>

namespace rig::reports {
namespace {

// Entries keep the measurement without its samples (compare looks at values only). Built
// as a whole and emplaced: editing the optional's payload in place gives GCC 12 at -O2 a
// false maybe-uninitialized warning.
Measurement without_samples(const Measurement& m) {
    Measurement out = m;
    out.samples.clear();
    return out;
}

// Higher is worse. SKIPPED sits between PASS and FAIL: losing a measurement's evidence is
// worse than passing it, but says nothing bad about the DUT.
int badness(Verdict v) {
    switch (v) {
        case Verdict::pass: return 0;
        case Verdict::skipped: return 1;
        case Verdict::fail: return 2;
        case Verdict::error: return 3;
    }
    return 3;
}

// Keys "step/name", with "#k" for the k-th repeat so repeated steps pair up in order.
std::vector<std::pair<std::string, const Measurement*>> keyed(const RunRecord& r) {
    std::map<std::string, int> seen;
    std::vector<std::pair<std::string, const Measurement*>> out;
    for (const auto& m : r.measurements) {
        std::string k = m.step + "/" + m.name;
        int n = ++seen[k];
        if (n > 1) k += "#" + std::to_string(n);
        out.emplace_back(std::move(k), &m);
    }
    return out;
}

std::optional<double> tolerance_of(const Measurement& base) {
    if (auto hw = base.limit.half_width()) return *hw;
    if (!base.has_value()) return std::nullopt;
    if (base.limit.high) return std::fabs(*base.limit.high - base.value);
    if (base.limit.low) return std::fabs(base.value - *base.limit.low);
    return std::nullopt;
}

}  // namespace

Comparison compare(const RunRecord& baseline, const RunRecord& run, double fraction) {
    Comparison c;
    c.baseline_id = baseline.info.run_id;
    c.run_id = run.info.run_id;
    c.fraction = fraction;
    auto b = keyed(baseline), r = keyed(run);
    std::map<std::string, const Measurement*> rmap(r.begin(), r.end());
    std::map<std::string, const Measurement*> bmap(b.begin(), b.end());

    for (const auto& [key, bm] : b) {
        CompareEntry e;
        e.key = key;
        e.baseline.emplace(without_samples(*bm));
        auto it = rmap.find(key);
        if (it == rmap.end()) {
            e.regression = true;
            e.note = "missing in run";
            c.entries.push_back(std::move(e));
            continue;
        }
        const Measurement& rm = *it->second;
        ++c.compared;
        e.run.emplace(without_samples(rm));
        e.verdict_changed = bm->verdict != rm.verdict;
        e.verdict_worse = badness(rm.verdict) > badness(bm->verdict);
        if (bm->has_value() && rm.has_value()) {
            e.delta = rm.value - bm->value;
            e.tolerance = tolerance_of(*bm);
            if (e.tolerance && std::fabs(*e.delta) > fraction * *e.tolerance) e.moved_too_far = true;
        }
        e.regression = e.verdict_worse || e.moved_too_far;
        if (e.verdict_changed)
            e.note = fmt::format("verdict {} -> {}{}", to_string(bm->verdict), to_string(rm.verdict),
                                 e.verdict_worse ? " (worse)" : "");
        if (e.moved_too_far)
            e.note += fmt::format("{}moved {} (> {} x tolerance {})", e.note.empty() ? "" : "; ",
                                  format_quantity(*e.delta, rm.unit), format_fixed(fraction, 2),
                                  format_quantity(*e.tolerance, rm.unit));
        if (e.verdict_changed || e.moved_too_far) c.entries.push_back(std::move(e));
    }
    for (const auto& [key, rm] : r) {
        if (bmap.count(key)) continue;
        CompareEntry e;
        e.key = key;
        e.run.emplace(without_samples(*rm));
        e.note = "missing in baseline";
        c.entries.push_back(std::move(e));
    }
    for (const auto& e : c.entries) c.regression = c.regression || e.regression;
    return c;
}

std::string comparison_text(const Comparison& c) {
    std::string o = fmt::format("baseline {}\nrun      {}\n{} measurements compared, fraction {}: {}\n", c.baseline_id,
                                c.run_id, c.compared, format_fixed(c.fraction, 2),
                                c.regression ? "REGRESSION" : "no regression");
    for (const auto& e : c.entries) {
        auto val = [](const std::optional<Measurement>& m) {
            if (!m) return std::string("-");
            return (m->has_value() ? format_quantity(m->value, m->unit) : std::string("no value")) + " " +
                   std::string(to_string(m->verdict));
        };
        o += fmt::format("  {} {:<40} {:>22} -> {:<22} {}\n", e.regression ? "!" : " ", e.key, val(e.baseline),
                         val(e.run), e.note);
    }
    return o;
}

}  // namespace rig::reports
