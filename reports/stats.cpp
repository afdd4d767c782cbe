#include "reports/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "reports/html.hpp"
#include "reports/svg.hpp"

namespace rig::reports {

std::optional<double> cpk(double mean, double s, std::size_t n, std::optional<double> lsl, std::optional<double> usl,
                          std::string* why) {
    auto no = [&](const char* reason) -> std::optional<double> {
        if (why) *why = reason;
        return std::nullopt;
    };
    if (!lsl && !usl) return no("undefined: no limits");
    if (n < 2) return no("undefined: fewer than 2 values");
    // Identical values leave a rounding residue (~1e-16 relative) in s, not a spread: a Cpk
    // of 1e13 would be nonsense, so anything below 1e-12 of the values' scale counts as 0.
    double scale = std::max({std::fabs(mean), lsl ? std::fabs(*lsl) : 0.0, usl ? std::fabs(*usl) : 0.0});
    if (!(s > scale * 1e-12)) return no("undefined: standard deviation is 0");
    double c = std::numeric_limits<double>::infinity();
    if (usl) c = std::min(c, (*usl - mean) / (3 * s));
    if (lsl) c = std::min(c, (mean - *lsl) / (3 * s));
    if (why) *why = (lsl && usl) ? "" : (usl ? "one-sided (USL only)" : "one-sided (LSL only)");
    return c;
}

StatsReport compute_stats(const std::string& plan, std::optional<TimePoint> since, const std::vector<RunFacts>& runs,
                          const std::vector<MeasurementRow>& rows) {
    StatsReport rep;
    rep.plan = plan;
    rep.since = since;
    rep.runs = runs.size();

    std::map<std::string, std::size_t> index;
    for (const auto& row : rows) {
        const Measurement& m = row.m;
        std::string key = m.step + "/" + m.name;
        auto [it, fresh] = index.try_emplace(key, rep.measurements.size());
        if (fresh) {
            MeasurementStats s;
            s.step = m.step;
            s.name = m.name;
            s.unit = m.unit;
            s.low = m.limit.low;
            s.high = m.limit.high;
            rep.measurements.push_back(std::move(s));
        }
        MeasurementStats& s = rep.measurements[it->second];
        if (!fresh && (s.low != m.limit.low || s.high != m.limit.high)) {
            s.limits_changed = true;
            s.low = m.limit.low;  // rows come oldest first: the last one is the newest
            s.high = m.limit.high;
        }
        switch (m.verdict) {
            case Verdict::pass: ++s.n_pass; break;
            case Verdict::fail: ++s.n_fail; break;
            case Verdict::error: ++s.n_error; break;
            case Verdict::skipped: ++s.n_skipped; break;
        }
        if (m.verdict != Verdict::skipped && m.has_value()) s.values.push_back(m.value);
    }
    for (auto& s : rep.measurements) {
        s.count = s.values.size();
        std::size_t judged = s.n_pass + s.n_fail + s.n_error;
        if (judged) s.yield = static_cast<double>(s.n_pass) / static_cast<double>(judged);
        if (s.count) {
            double sum = 0;
            s.min = s.max = s.values.front();
            for (double v : s.values) {
                sum += v;
                s.min = std::min(s.min, v);
                s.max = std::max(s.max, v);
            }
            s.mean = sum / static_cast<double>(s.count);
            double ss = 0;
            for (double v : s.values) ss += (v - s.mean) * (v - s.mean);
            s.stddev = s.count > 1 ? std::sqrt(ss / static_cast<double>(s.count - 1)) : 0.0;
        }
        s.cpk = cpk(s.mean, s.stddev, s.count, s.low, s.high, &s.cpk_note);
        if (s.limits_changed) s.cpk_note += (s.cpk_note.empty() ? "" : "; ") + std::string("limits changed over the window");
    }

    // First-pass yield: each serial's earliest run decides.
    std::map<std::string, const RunFacts*> first;
    for (const auto& r : runs) {
        auto& f = first[r.serial];
        if (!f || r.started < f->started || (r.started == f->started && r.run_id < f->run_id)) f = &r;
    }
    rep.first_pass.units = first.size();
    for (const auto& [serial, r] : first)
        if (r->verdict == Verdict::pass) ++rep.first_pass.passed_first;
    if (rep.first_pass.units)
        rep.first_pass.fpy = static_cast<double>(rep.first_pass.passed_first) / static_cast<double>(rep.first_pass.units);
    return rep;
}

StatsReport compute_stats(const std::string& plan, const std::vector<RunRecord>& records) {
    std::vector<const RunRecord*> sorted;
    for (const auto& r : records)
        if (r.info.plan_name == plan) sorted.push_back(&r);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const RunRecord* a, const RunRecord* b) { return a->info.started < b->info.started; });
    std::vector<RunFacts> runs;
    std::vector<MeasurementRow> rows;
    for (const RunRecord* r : sorted) {
        runs.push_back({r->info.run_id, r->info.serial, r->info.started, r->verdict});
        for (const auto& m : r->measurements) {
            MeasurementRow row{r->info.run_id, r->info.serial, r->info.started, m};
            row.m.samples.clear();
            rows.push_back(std::move(row));
        }
    }
    return compute_stats(plan, std::nullopt, runs, rows);
}

Result<StatsReport> compute_stats(Store& store, const std::string& plan, std::optional<TimePoint> since) {
    RunQuery q;
    q.plan = plan;
    q.from = since;
    auto runs = store.runs(q);
    if (!runs) return runs.status();
    auto rows = store.plan_measurements(plan, since);
    if (!rows) return rows.status();
    std::vector<RunFacts> facts;
    for (const auto& r : *runs) facts.push_back({r.run_id, r.serial, r.started, r.verdict});
    return compute_stats(plan, since, facts, *rows);
}

namespace {

std::string q(double v, Unit u) { return std::isfinite(v) ? format_quantity(v, u) : std::string("-"); }
std::string q(const std::optional<double>& v, Unit u) { return v ? q(*v, u) : std::string("open"); }
std::string pct(const std::optional<double>& v) { return v ? format_fixed(*v * 100.0, 1) + " %" : std::string("-"); }

// Display scale for an axis: values in V that are all small are shown in mV, and so on.
std::pair<double, std::string> display_scale(double max_abs, Unit u) {
    std::string sym(symbol(u));
    if (u == Unit::percent) return {100.0, "%"};
    if (u == Unit::none || u == Unit::celsius) return {1.0, sym};
    if (max_abs > 0 && max_abs < 1e-3) return {1e6, "µ" + sym};
    if (max_abs > 0 && max_abs < 1.0) return {1e3, "m" + sym};
    return {1.0, sym};
}

std::string histogram(const MeasurementStats& s) {
    if (s.values.empty()) return "<p class=\"note\">no values</p>\n";
    double lo = s.min, hi = s.max;
    double max_abs = std::max(std::fabs(lo), std::fabs(hi));
    if (s.low) max_abs = std::max(max_abs, std::fabs(*s.low));
    if (s.high) max_abs = std::max(max_abs, std::fabs(*s.high));
    auto [k, unit_label] = display_scale(max_abs, s.unit);
    if (s.low) lo = std::min(lo, *s.low);
    if (s.high) hi = std::max(hi, *s.high);
    if (hi - lo <= 0) {
        double d = std::max(std::fabs(lo) * 0.01, 1e-9);
        lo -= d;
        hi += d;
    }
    std::size_t bins = std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(std::sqrt(s.values.size()))), 5, 30);
    double w = (hi - lo) / static_cast<double>(bins);
    std::vector<std::size_t> counts(bins, 0);
    for (double v : s.values) {
        auto b = static_cast<std::size_t>(std::clamp((v - lo) / w, 0.0, static_cast<double>(bins) - 1.0));
        ++counts[b];
    }
    svg::Chart c;
    c.title = s.step + "/" + s.name + " (n = " + std::to_string(s.count) + ")";
    c.x_label = unit_label.empty() ? "value" : "value (" + unit_label + ")";
    c.y_label = "count";
    c.height = 240;
    for (std::size_t b = 0; b < bins; ++b)
        c.bars.push_back({(lo + w * static_cast<double>(b)) * k, (lo + w * static_cast<double>(b + 1)) * k,
                          static_cast<double>(counts[b])});
    if (s.low) c.x_rules.push_back({*s.low * k, "LSL", "#d62728"});
    if (s.high) c.x_rules.push_back({*s.high * k, "USL", "#d62728"});
    c.x_rules.push_back({s.mean * k, "mean", "#1f77b4"});
    return svg::render(c);
}

}  // namespace

std::string stats_text(const StatsReport& r) {
    std::string o = fmt::format("plan {}{}: {} runs, {} units, first-pass yield {} ({} of {})\n\n", r.plan,
                                r.since ? " since " + format_iso8601(*r.since) : std::string(), r.runs,
                                r.first_pass.units, pct(r.first_pass.fpy), r.first_pass.passed_first, r.first_pass.units);
    std::size_t wname = 11;
    for (const auto& s : r.measurements) wname = std::max(wname, s.step.size() + 1 + s.name.size());
    o += fmt::format("{:<{}}  {:>5}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {:>7}  {:>7}  {}\n", "measurement",
                     wname, "n", "mean", "s", "min", "max", "LSL", "USL", "yield", "Cpk", "note");
    for (const auto& s : r.measurements) {
        o += fmt::format("{:<{}}  {:>5}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {:>7}  {:>7}  {}\n",
                         s.step + "/" + s.name, wname, s.count, s.count ? q(s.mean, s.unit) : "-",
                         s.count > 1 ? q(s.stddev, s.unit) : "-", s.count ? q(s.min, s.unit) : "-",
                         s.count ? q(s.max, s.unit) : "-", q(s.low, s.unit), q(s.high, s.unit), pct(s.yield),
                         s.cpk ? format_fixed(*s.cpk, 2) : "-", s.cpk_note);
    }
    return o;
}

std::string stats_html(const StatsReport& r) {
    std::string b = fmt::format("<h1>Statistics: {}</h1>\n", svg::escape(r.plan));
    b += fmt::format("<p>{}{} runs, {} units. First-pass yield: <b id=\"fpy\">{}</b> ({} of {} units passed their first "
                     "run).</p>\n",
                     r.since ? "Since " + format_iso8601(*r.since) + ": " : std::string(), r.runs, r.first_pass.units,
                     pct(r.first_pass.fpy), r.first_pass.passed_first, r.first_pass.units);
    b += "<table id=\"stats\"><tr><th>measurement</th><th>n</th><th>mean</th><th>s</th><th>min</th><th>max</th>"
         "<th>LSL</th><th>USL</th><th>PASS</th><th>FAIL</th><th>ERROR</th><th>yield</th><th>Cpk</th><th>note</th></tr>\n";
    for (const auto& s : r.measurements)
        b += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td><td>{}</td></tr>\n",
                         svg::escape(s.step + "/" + s.name), s.count, s.count ? svg::escape(q(s.mean, s.unit)) : "-",
                         s.count > 1 ? svg::escape(q(s.stddev, s.unit)) : "-", s.count ? svg::escape(q(s.min, s.unit)) : "-",
                         s.count ? svg::escape(q(s.max, s.unit)) : "-", svg::escape(q(s.low, s.unit)),
                         svg::escape(q(s.high, s.unit)), s.n_pass, s.n_fail, s.n_error, pct(s.yield),
                         s.cpk ? format_fixed(*s.cpk, 2) : "-", svg::escape(s.cpk_note));
    b += "</table>\n<h2>Histograms</h2>\n";
    for (const auto& s : r.measurements) b += histogram(s);
    return html_page("Statistics " + r.plan, b);
}

}  // namespace rig::reports
