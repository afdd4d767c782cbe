#include "reports/csv.hpp"

#include <charconv>
#include <cmath>

namespace rig::reports {
namespace {

std::string field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    q += '"';
    return q;
}

std::string opt(const std::optional<double>& v) { return v ? number_text(*v) : std::string(); }

}  // namespace

std::string number_text(double v) {
    if (!std::isfinite(v)) return {};
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    if (ec != std::errc()) return {};
    return std::string(buf, p);
}

std::string measurements_csv(const RunRecord& r) {
    std::string out = kCsvColumns;
    out += "\r\n";
    for (const auto& m : r.measurements) {
        const std::string cols[] = {
            field(r.info.run_id),
            field(r.info.serial),
            field(m.step),
            field(m.name),
            number_text(m.value),
            field(symbol(m.unit)),
            opt(m.limit.low),
            opt(m.limit.high),
            opt(m.limit.nominal),
            number_text(m.uncertainty),
            std::string(to_string(m.rule)),
            std::string(to_string(m.verdict)),
            std::string(to_string(m.zone)),
            field(m.message),
            format_iso8601(m.started),
            format_iso8601(m.ended),
            std::to_string(m.samples.size()),
        };
        bool first = true;
        for (const auto& c : cols) {
            if (!first) out += ',';
            out += c;
            first = false;
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace rig::reports
