#include "reports/svg.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "rig/core/units.hpp"

namespace rig::reports::svg {

std::string escape(std::string_view t) {
    std::string s;
    s.reserve(t.size());
    for (char c : t) {
        switch (c) {
            case '&': s += "&amp;"; break;
            case '<': s += "&lt;"; break;
            case '>': s += "&gt;"; break;
            case '"': s += "&quot;"; break;
            case '\'': s += "&#39;"; break;
            default:
                // Control characters are not allowed in XML 1.0 text.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') s += ' ';
                else s += c;
        }
    }
    return s;
}

std::string num(double v, int decimals) {
    if (!std::isfinite(v)) return "0";
    std::string s = format_fixed(v, decimals);
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

namespace {

struct Range {
    double lo{std::numeric_limits<double>::infinity()};
    double hi{-std::numeric_limits<double>::infinity()};
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return lo > hi; }
};

// "Nice" tick step (1, 2 or 5 times a power of ten) for about `n` ticks over the span.
double tick_step(double span, int n) {
    if (span <= 0) return 1;
    double raw = span / n;
    double p = std::pow(10.0, std::floor(std::log10(raw)));
    double f = raw / p;
    double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nice * p;
}

int decimals_for(double step) {
    if (step >= 1) return 0;
    return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 9);
}

void pad(Range& r) {
    if (r.empty()) {
        r.lo = 0;
        r.hi = 1;
    } else if (r.hi - r.lo < 1e-12) {
        double d = std::max(std::fabs(r.lo) * 0.1, 1e-3);
        r.lo -= d;
        r.hi += d;
    } else {
        double d = (r.hi - r.lo) * 0.05;
        r.lo -= d;
        r.hi += d;
    }
}

}  // namespace

std::string render(const Chart& c) {
    Range xr, yr;
    for (const auto& s : c.series)
        for (auto [x, y] : s.points) {
            xr.add(x);
            yr.add(y);
        }
    for (const auto& b : c.bands) {
        yr.add(b.y_low);
        yr.add(b.y_high);
    }
    for (const auto& r : c.x_rules) xr.add(r.at);
    for (const auto& r : c.y_rules) yr.add(r.at);
    for (const auto& m : c.markers) {
        xr.add(m.x);
        yr.add(m.y);
    }
    for (const auto& b : c.bars) {
        xr.add(b.x0);
        xr.add(b.x1);
        yr.add(0);
        yr.add(b.height);
    }
    pad(xr);
    pad(yr);
    if (!c.bars.empty()) yr.lo = 0;
    if (c.x_min) xr.lo = *c.x_min;
    if (c.x_max) xr.hi = *c.x_max;
    if (c.y_min) yr.lo = *c.y_min;
    if (c.y_max) yr.hi = *c.y_max;

    const double left = 64, right = 16, top = 28, bottom = 44;
    const double pw = c.width - left - right, ph = c.height - top - bottom;
    auto X = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
    auto Y = [&](double y) { return top + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };
    auto cx = [&](double x) { return num(std::clamp(X(x), left, left + pw), 1); };
    auto cy = [&](double y) { return num(std::clamp(Y(y), top, top + ph), 1); };

    std::string o = fmt::format(
        "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" "
        "aria-label=\"{}\">\n",
        c.width, c.height, escape(c.title));
    o += fmt::format("<text x=\"{}\" y=\"18\" class=\"ct\">{}</text>\n", num(left), escape(c.title));
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#999\"/>\n",
                     num(left), num(top), num(pw), num(ph));
    for (const auto& b : c.bands) {
        double y0 = std::clamp(Y(b.y_high), top, top + ph), y1 = std::clamp(Y(b.y_low), top, top + ph);
        o += fmt::format(
            "<rect class=\"band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"0.15\"/>\n",
            num(left), num(y0, 1), num(pw), num(y1 - y0, 1), escape(b.colour));
        if (!b.label.empty())
            o += fmt::format("<text x=\"{}\" y=\"{}\" class=\"lbl\" fill=\"{}\">{}</text>\n", num(left + 4),
                             num(y0 + 12, 1), escape(b.colour), escape(b.label));
    }
    // Grid and tick labels.
    double xs = tick_step(xr.hi - xr.lo, 8), ys = tick_step(yr.hi - yr.lo, 6);
    int xd = decimals_for(xs), yd = decimals_for(ys);
    for (double t = std::ceil(xr.lo / xs) * xs; t <= xr.hi + xs * 1e-9; t += xs)
        o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" class=\"grid\"/>"
                         "<text x=\"{0}\" y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4}</text>\n",
                         cx(t), num(top), num(top + ph), num(top + ph + 14), num(t, xd));
    for (double t = std::ceil(yr.lo / ys) * ys; t <= yr.hi + ys * 1e-9; t += ys)
        o += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" class=\"grid\"/>"
                         "<text x=\"{3}\" y=\"{4}\" class=\"tick\" text-anchor=\"end\">{5}</text>\n",
                         num(left), cy(t), num(left + pw), num(left - 4), num(Y(t) + 4, 1), num(t, yd));
    o += fmt::format("<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>\n", num(left + pw / 2),
                     num(c.height - 6), escape(c.x_label));
    o += fmt::format("<text x=\"14\" y=\"{0}\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0})\">{1}</text>\n",
                     num(top + ph / 2), escape(c.y_label));
    for (const auto& b : c.bars) {
        double x0 = X(b.x0), x1 = X(b.x1), y = Y(b.height);
        o += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                         num(x0 + 0.5, 1), num(y, 1), num(std::max(x1 - x0 - 1, 0.5), 1), num(top + ph - y, 1),
                         escape(c.bar_colour));
    }
    for (const auto& r : c.y_rules)
        o += fmt::format("<line class=\"rule\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" "
                         "stroke-dasharray=\"6 4\"/><text x=\"{4}\" y=\"{5}\" class=\"lbl\" fill=\"{3}\">{6}</text>\n",
                         num(left), cy(r.at), num(left + pw), escape(r.colour), num(left + 4),
                         num(std::clamp(Y(r.at), top, top + ph) - 3, 1), escape(r.label));
    for (const auto& r : c.x_rules)
        o += fmt::format("<line class=\"rule\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" "
                         "stroke-dasharray=\"6 4\"/><text x=\"{4}\" y=\"{5}\" class=\"lbl\" fill=\"{3}\">{6}</text>\n",
                         cx(r.at), num(top), num(top + ph), escape(r.colour), num(std::clamp(X(r.at), left, left + pw) + 3, 1),
                         num(top + 12), escape(r.label));
    for (const auto& s : c.series) {
        if (s.line && s.points.size() > 1) {
            std::string pts;
            for (auto [x, y] : s.points) {
                if (!std::isfinite(x) || !std::isfinite(y)) continue;
                pts += cx(x) + "," + cy(y) + " ";
            }
            o += fmt::format("<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n",
                             escape(s.colour), pts);
        }
        if (s.markers || s.points.size() == 1)
            for (auto [x, y] : s.points)
                if (std::isfinite(x) && std::isfinite(y))
                    o += fmt::format("<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>\n", cx(x), cy(y),
                                     escape(s.colour));
    }
    for (const auto& m : c.markers) {
        // Labels of points in the right quarter go to their left, so they stay inside.
        double mx = std::clamp(X(m.x), left, left + pw);
        bool flip = mx > left + pw * 0.75;
        o += fmt::format("<circle class=\"marker\" cx=\"{0}\" cy=\"{1}\" r=\"5\" fill=\"none\" stroke=\"{2}\" "
                         "stroke-width=\"2\"/><text x=\"{3}\" y=\"{4}\" class=\"lbl\" fill=\"{2}\"{6}>{5}</text>\n",
                         cx(m.x), cy(m.y), escape(m.colour), num(flip ? mx - 7 : mx + 7, 1),
                         num(std::clamp(Y(m.y), top, top + ph) - 7, 1), escape(m.label),
                         flip ? " text-anchor=\"end\"" : "");
    }
    // Legend, top right, one line per labelled series.
    double ly = top + 14;
    for (const auto& s : c.series) {
        if (s.label.empty()) continue;
        o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"3\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" "
                         "class=\"lbl\">{}</text>\n",
                         num(left + pw - 150), num(ly - 4, 1), escape(s.colour), num(left + pw - 136), num(ly, 1),
                         escape(s.label));
        ly += 13;
    }
    o += "</svg>\n";
    return o;
}

}  // namespace rig::reports::svg
