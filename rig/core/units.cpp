#include "rig/core/units.hpp"

#include <charconv>
#include <cmath>
#include <algorithm>

namespace rig {
namespace {

struct UnitInfo {
    Unit unit;
    std::string_view symbol;
    std::string_view name;
    std::string_view example;
};

constexpr UnitInfo kUnits[] = {
    {Unit::none, "", "plain number", "3"},
    {Unit::volt, "V", "voltage", "3.3 V"},
    {Unit::ampere, "A", "current", "2 A"},
    {Unit::ohm, "Ω", "resistance", "10 Ω"},
    {Unit::watt, "W", "power", "1000 mW"},
    {Unit::celsius, "°C", "temperature", "25 °C"},
    {Unit::second, "s", "duration", "500 ms"},
    {Unit::percent, "%", "percentage", "10 %"},
    {Unit::hertz, "Hz", "frequency", "50 Hz"},
};

const UnitInfo& info(Unit u) {
    for (const auto& i : kUnits)
        if (i.unit == u) return i;
    return kUnits[0];
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits a unit text like "mV" or "µA" into a scale and a base unit.
Result<std::pair<double, Unit>> parse_unit_text(std::string_view u, std::string_view whole) {
    // Whole-word units first: these would otherwise be mis-read as prefix + unit.
    if (u == "min") return std::pair{60.0, Unit::second};
    if (u == "h") return std::pair{3600.0, Unit::second};
    if (u == "ohm" || u == "Ohm" || u == "Ω") return std::pair{1.0, Unit::ohm};
    if (u == "degC" || u == "°C" || u == "C") return std::pair{1.0, Unit::celsius};
    if (u == "%") return std::pair{0.01, Unit::percent};
    for (const auto& i : kUnits)
        if (!i.symbol.empty() && u == i.symbol) return std::pair{1.0, i.unit};
    struct Prefix {
        std::string_view text;
        double scale;
    };
    constexpr Prefix kPrefixes[] = {{"n", 1e-9}, {"µ", 1e-6}, {"u", 1e-6}, {"m", 1e-3},
                                    {"k", 1e3},  {"M", 1e6}};
    for (const auto& p : kPrefixes) {
        if (u.size() > p.text.size() && u.substr(0, p.text.size()) == p.text) {
            auto rest = u.substr(p.text.size());
            if (rest == "ohm" || rest == "Ω") return std::pair{p.scale, Unit::ohm};
            for (const auto& i : kUnits)
                if (!i.symbol.empty() && i.unit != Unit::percent && i.unit != Unit::celsius &&
                    rest == i.symbol)
                    return std::pair{p.scale, i.unit};
        }
    }
    return Status(Code::invalid_argument,
                  "unknown unit '" + std::string(u) + "' in \"" + std::string(whole) + "\"");
}

}  // namespace

std::string_view symbol(Unit u) { return info(u).symbol; }
std::string_view unit_name(Unit u) { return info(u).name; }

Result<Unit> parse_unit_symbol(std::string_view s) {
    auto r = parse_unit_text(trim(s), s);
    if (!r) return r.status();
    if (r->first != 1.0 && r->second != Unit::percent)
        return Status(Code::invalid_argument, "unit '" + std::string(s) + "' has a prefix");
    return r->second;
}

Result<double> parse_number(std::string_view text) {
    auto s = trim(text);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v))
        return Status(Code::invalid_argument, "not a number: \"" + std::string(text) + "\"");
    return v;
}

Result<ParsedQuantity> parse_quantity(std::string_view text) {
    ParsedQuantity q;
    auto s = trim(text);
    if (s.starts_with("±")) {
        q.plus_minus = true;
        s.remove_prefix(std::string_view("±").size());
    } else if (s.starts_with("+-") || s.starts_with("+/-")) {
        q.plus_minus = true;
        s.remove_prefix(s.starts_with("+-") ? 2 : 3);
    }
    s = trim(s);
    if (!s.empty() && s.front() == '+' && !q.plus_minus) s.remove_prefix(1);
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    double v = 0;
    auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ptr == begin || ec != std::errc() || !std::isfinite(v))
        return Status(Code::invalid_argument,
                      "expected a number with a unit, got \"" + std::string(text) + "\"");
    auto unit_text = trim(std::string_view(ptr, static_cast<size_t>(end - ptr)));
    if (unit_text.empty())
        return Status(Code::invalid_argument,
                      "missing unit in \"" + std::string(text) + "\"");
    auto u = parse_unit_text(unit_text, text);
    if (!u) return u.status();
    q.value = v * u->first;
    q.unit = u->second;
    return q;
}

Result<double> parse_as(Unit expected, std::string_view text) {
    auto bad = [&](std::string why) {
        return Status(Code::invalid_argument,
                      "expected a " + std::string(unit_name(expected)) + " like \"" +
                          std::string(info(expected).example) + "\", got \"" + std::string(text) +
                          "\"" + (why.empty() ? "" : " (" + why + ")"));
    };
    if (expected == Unit::none) return parse_number(text);
    auto q = parse_quantity(text);
    if (!q) return bad(q.status().message());
    if (q->plus_minus) return bad("a tolerance '±' is not allowed here");
    if (q->unit != expected) return bad("wrong unit");
    return q->value;
}

template <>
Result<Seconds> parse<Seconds>(std::string_view text) {
    auto r = parse_as(Unit::second, text);
    if (!r) return r.status();
    return Seconds(*r);
}

std::string format_fixed(double v, int decimals) {
    char buf[64];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    if (ec != std::errc()) return "?";
    return std::string(buf, ptr);
}

std::string format_quantity(double v, Unit u, int significant) {
    if (u == Unit::percent) return format_fixed(v * 100.0, 2) + " %";
    double a = std::fabs(v);
    std::string_view prefix;
    double scale = 1.0;
    bool prefixable = u != Unit::none && u != Unit::celsius;
    if (prefixable && a != 0.0) {
        if (a < 1e-6) { prefix = "n"; scale = 1e9; }
        else if (a < 1e-3) { prefix = "µ"; scale = 1e6; }
        else if (a < 1.0) { prefix = "m"; scale = 1e3; }
        else if (a >= 1e6) { prefix = "M"; scale = 1e-6; }
        else if (a >= 1e3 && u != Unit::second) { prefix = "k"; scale = 1e-3; }
    }
    double shown = v * scale;
    int digits_before = std::fabs(shown) >= 1.0 ? static_cast<int>(std::floor(std::log10(std::fabs(shown)))) + 1 : 1;
    int decimals = std::max(0, significant - digits_before);
    std::string out = format_fixed(shown, decimals);
    auto sym = symbol(u);
    if (!sym.empty()) {
        out += ' ';
        out += prefix;
        out += sym;
    }
    return out;
}

}  // namespace rig
