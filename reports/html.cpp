#include "reports/html.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "reports/svg.hpp"

namespace rig::reports {
namespace {

using svg::escape;

constexpr std::string_view kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;background:#fafafa}
h1{font-size:40px;margin:0}h2{font-size:20px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}
.head{display:flex;gap:32px;align-items:center;flex-wrap:wrap}
.serial{font-size:44px;font-weight:700;letter-spacing:1px}
.big{font-size:44px;font-weight:800;padding:6px 22px;border-radius:8px}
.v{font-weight:700;padding:1px 6px;border-radius:4px}
.pass{color:#0f5323;background:#d2f4d9}.fail{color:#86181d;background:#ffd7d5}
.error{color:#6c3d00;background:#ffe8a3}.skipped{color:#57606a;background:#e6e8eb}
.banner{margin:12px 0;padding:10px 14px;border-radius:6px;background:#ffe8a3;font-weight:600}
table{border-collapse:collapse;margin:8px 0;font-size:13px;background:#fff}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.row-fail td{background:#fff1f0}tr.row-error td{background:#fffbe6}tr.row-skipped td{color:#6e7781}
.kv th{width:160px}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
svg.chart{width:100%;max-width:900px;height:auto;display:block;margin:8px 0;background:#fff}
svg .ct{font-size:14px;font-weight:600}svg .tick{font-size:10px;fill:#555}svg .axis{font-size:12px}
svg .lbl{font-size:11px}svg .grid{stroke:#eee}
.note{color:#57606a;font-size:13px}
)";

std::string verdict_class(Verdict v) {
    std::string s(to_string(v));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

double seconds_since(TimePoint from, TimePoint t) { return std::chrono::duration<double>(t - from).count(); }

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"};
const char* colour(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string kv_row(std::string_view k, std::string_view v, bool mono = false) {
    return fmt::format("<tr><th>{}</th><td{}>{}</td></tr>\n", escape(k), mono ? " class=\"mono\"" : "", escape(v));
}

// Plot (i): cell error per channel, one series per step, against the limit band.
std::string cell_error_plot(const RunRecord& r) {
    static const std::regex kName(R"(^cell_error\.B([0-9]+)$)");
    std::map<std::string, svg::Series> by_step;
    std::vector<std::string> order;
    std::optional<Limit> band;
    for (const auto& m : r.measurements) {
        std::smatch sm;
        if (!std::regex_match(m.name, sm, kName) || !m.has_value()) continue;
        if (!by_step.count(m.step)) {
            order.push_back(m.step);
            auto& s = by_step[m.step];
            s.label = m.step;
            s.colour = colour(order.size() - 1);
            s.line = false;
            s.markers = true;
        }
        int ch = 0;
        const std::string digits = sm[1].str();
        std::from_chars(digits.data(), digits.data() + digits.size(), ch);
        by_step[m.step].points.emplace_back(ch, m.value * 1e3);
        if (!band && (m.limit.low || m.limit.high)) band = m.limit;
    }
    if (order.empty()) return {};
    svg::Chart c;
    c.title = "DUT cell voltage error per channel";
    c.x_label = "channel (B<n>)";
    c.y_label = "error (mV)";
    for (const auto& s : order) c.series.push_back(by_step[s]);
    if (band) {
        // A closed limit is a shaded band; a one-sided one only its dashed edge.
        if (band->low && band->high)
            c.bands.push_back({*band->low * 1e3, *band->high * 1e3, "limit " + band->describe(), "#2ca02c"});
        if (band->low) c.y_rules.push_back({*band->low * 1e3, band->high ? "" : band->describe(), "#2ca02c"});
        if (band->high) c.y_rules.push_back({*band->high * 1e3, band->low ? "" : band->describe(), "#2ca02c"});
    }
    c.x_min = 0.5;
    double max_ch = 1;
    for (const auto& s : c.series)
        for (auto [x, y] : s.points) max_ch = std::max(max_ch, x);
    c.x_max = max_ch + 0.5;
    return svg::render(c);
}

// A measurement's raw samples as one series against seconds since the run started.
void add_samples_series(svg::Chart& c, const RunRecord& r, const Measurement& m) {
    svg::Series s;
    s.label = m.step + "/" + m.name;
    s.colour = colour(c.series.size());
    for (const auto& x : m.samples) s.points.emplace_back(seconds_since(r.info.started, x.t), x.value);
    c.series.push_back(std::move(s));
}

// Plot (ii): balance current against run time, from the samples.
std::string balance_plot(const RunRecord& r) {
    svg::Chart c;
    c.title = "Balancing current against time";
    c.x_label = "time since run start (s)";
    c.y_label = "current (A)";
    for (const auto& m : r.measurements) {
        if (!m.name.starts_with("balance_current") || m.samples.empty()) continue;
        add_samples_series(c, r, m);
        if (m.limit.low) c.y_rules.push_back({*m.limit.low, "low " + format_quantity(*m.limit.low, m.unit), "#2ca02c"});
    }
    if (c.series.empty()) return {};
    return svg::render(c);
}

// Plot (iii): cell 1 voltage against time; the shutdown and power-up points marked where the
// ramp's samples come closest to the measured threshold.
std::string cell1_plot(const RunRecord& r) {
    svg::Chart c;
    c.title = "Cell 1 voltage against time";
    c.x_label = "time since run start (s)";
    c.y_label = "cell 1 voltage (V)";
    for (const auto& m : r.measurements) {
        bool shutdown = m.name.starts_with("shutdown_V"), power_on = m.name.starts_with("power_on_V");
        if (!(m.name.starts_with("cell1_voltage") || shutdown || power_on)) continue;
        if (m.samples.empty()) continue;
        add_samples_series(c, r, m);
        if ((shutdown || power_on) && m.has_value()) {
            const Sample* best = &m.samples.front();
            for (const auto& x : m.samples)
                if (std::fabs(x.value - m.value) < std::fabs(best->value - m.value)) best = &x;
            c.markers.push_back({seconds_since(r.info.started, best->t), m.value,
                                 std::string(shutdown ? "shutdown " : "power-up ") + format_quantity(m.value, m.unit),
                                 shutdown ? "#d62728" : "#2ca02c"});
        }
    }
    if (c.series.empty()) return {};
    return svg::render(c);
}

}  // namespace

std::string html_verdict(Verdict v) {
    return fmt::format("<span class=\"v {}\">{}</span>", verdict_class(v), to_string(v));
}

std::string html_page(std::string_view title, std::string_view body) {
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(title), kCss, body);
}

std::string html_report(const RunRecord& r) {
    const auto& i = r.info;
    std::string b;
    b += fmt::format("<div class=\"head\"><div><div class=\"note\">unit serial</div><div class=\"serial\" id=\"serial\">{}</div></div>"
                     "<div class=\"big {}\" id=\"verdict\">{}</div></div>\n",
                     escape(i.serial), verdict_class(r.verdict), to_string(r.verdict));
    if (r.state != RunState::completed)
        b += fmt::format("<div class=\"banner\">Run {}: {}</div>\n", to_string(r.state), escape(r.reason));
    else if (!r.reason.empty())
        b += fmt::format("<p>{}</p>\n", escape(r.reason));

    std::size_t counts[4] = {};
    for (const auto& m : r.measurements) ++counts[static_cast<int>(m.verdict)];
    b += fmt::format("<p>{} measurements: {} PASS, {} FAIL, {} ERROR, {} SKIPPED</p>\n", r.measurements.size(),
                     counts[1], counts[2], counts[3], counts[0]);

    b += "<h2>Run</h2>\n<table class=\"kv\">\n";
    b += kv_row("run id", i.run_id, true);
    b += kv_row("plan", i.plan_name + " " + i.plan_version);
    b += kv_row("plan file", i.plan_file, true);
    b += kv_row("plan sha256", i.plan_sha256, true);
    b += kv_row("fixture file", i.fixture_file, true);
    b += kv_row("fixture sha256", i.fixture_sha256, true);
    b += kv_row("station / socket", i.station + " / " + i.socket);
    b += kv_row("operator", i.operator_name);
    b += kv_row("DUT", i.dut_model + (i.dut_identity.empty() ? "" : " (" + i.dut_identity + ")"));
    b += kv_row("DUT firmware", i.dut_firmware);
    b += kv_row("started", format_iso8601(i.started));
    if (r.ended != TimePoint{}) {
        b += kv_row("ended", format_iso8601(r.ended));
        b += kv_row("duration", format_fixed(seconds_since(i.started, r.ended), 3) + " s");
    }
    b += kv_row("state", std::string(to_string(r.state)));
    b += kv_row("clock", i.clock);
    if (i.seed) b += kv_row("seed", std::to_string(*i.seed));
    for (const auto& [k, v] : i.sim_settings) b += kv_row("sim: " + k, v);
    b += "</table>\n";

    b += "<h2>Instruments</h2>\n";
    if (i.instruments.empty()) {
        b += "<p class=\"note\">none recorded</p>\n";
    } else {
        b += "<table id=\"instruments\"><tr><th>id</th><th>kind</th><th>model</th><th>connection</th>"
             "<th>manufacturer</th><th>identity</th><th>serial</th><th>firmware</th><th>calibration due</th></tr>\n";
        for (const auto& x : i.instruments)
            b += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td>"
                             "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
                             escape(x.id), escape(x.kind), escape(x.model), escape(x.connection), escape(x.manufacturer),
                             escape(x.identity_model), escape(x.serial), escape(x.firmware), escape(x.calibration_due));
        b += "</table>\n";
    }

    std::string plots = cell_error_plot(r) + balance_plot(r) + cell1_plot(r);
    b += "<h2>Plots</h2>\n";
    b += plots.empty() ? "<p class=\"note\">no plotted measurements in this run</p>\n" : plots;

    b += "<h2>Measurements</h2>\n<table id=\"measurements\"><tr><th>#</th><th>step</th><th>name</th><th>value</th>"
         "<th>limit</th><th>U (k=2)</th><th>rule</th><th>zone</th><th>verdict</th><th>samples</th><th>message</th></tr>\n";
    std::size_t n = 0;
    for (const auto& m : r.measurements) {
        b += fmt::format("<tr class=\"row-{}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
                         "<td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
                         "<td>{}</td></tr>\n",
                         verdict_class(m.verdict), ++n, escape(m.step), escape(m.name),
                         m.has_value() ? escape(format_quantity(m.value, m.unit)) : "&mdash;", escape(m.limit.describe()),
                         m.uncertainty > 0 ? escape(format_quantity(m.uncertainty, m.unit)) : "",
                         escape(to_string(m.rule)), escape(to_string(m.zone)), html_verdict(m.verdict), m.samples.size(),
                         escape(m.message));
    }
    b += "</table>\n";
    b += fmt::format("<p class=\"note\">Generated from the run record (schema version 1). Values in SI units.</p>\n");
    return html_page("Unit " + i.serial + " " + std::string(to_string(r.verdict)) + " - " + i.run_id, b);
}

}  // namespace rig::reports
