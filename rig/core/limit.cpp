#include "rig/core/limit.hpp"

#include <cmath>

namespace rig {

std::string_view to_string(DecisionRule r) {
    return r == DecisionRule::simple ? "simple" : "guard_banded";
}

std::string_view to_string(Zone z) {
    switch (z) {
        case Zone::inside: return "inside";
        case Zone::marginal: return "marginal";
        case Zone::guard_band: return "guard_band";
        case Zone::outside: return "outside";
    }
    return "outside";
}

Limit Limit::range(double low, double high, Unit u) {
    Limit l;
    l.unit = u;
    l.low = low;
    l.high = high;
    return l;
}
Limit Limit::at_most(double high, Unit u) {
    Limit l;
    l.unit = u;
    l.high = high;
    return l;
}
Limit Limit::at_least(double low, Unit u) {
    Limit l;
    l.unit = u;
    l.low = low;
    return l;
}
Limit Limit::tolerance(double nominal, double pm, Unit u) {
    Limit l = range(nominal - std::fabs(pm), nominal + std::fabs(pm), u);
    l.nominal = nominal;
    return l;
}
Limit Limit::none(Unit u) {
    Limit l;
    l.unit = u;
    return l;
}

bool Limit::contains(double v) const {
    if (low && v < *low) return false;
    if (high && v > *high) return false;
    return true;
}

std::optional<double> Limit::half_width() const {
    if (!low || !high) return std::nullopt;
    return (*high - *low) / 2.0;
}

std::string Limit::describe() const {
    // Built with append, not operator+ on literals: GCC 12 at -O3 gives a false -Wrestrict
    // for `"<= " + std::string`.
    std::string out;
    if (nominal && low && high && std::fabs((*nominal - *low) - (*high - *nominal)) < 1e-12) {
        out.append(format_quantity(*nominal, unit)).append(" ± ").append(format_quantity(*high - *nominal, unit));
    } else if (low && high) {
        out.append("[").append(format_quantity(*low, unit)).append(", ").append(format_quantity(*high, unit)).append("]");
    } else if (high) {
        out.append("<= ").append(format_quantity(*high, unit));
    } else if (low) {
        out.append(">= ").append(format_quantity(*low, unit));
    } else {
        out = "(record only)";
    }
    return out;
}

Result<Limit> Limit::parse_range(std::string_view lo, std::string_view hi, Unit expected) {
    auto l = parse_as(expected, lo);
    if (!l) return l.status();
    auto h = parse_as(expected, hi);
    if (!h) return h.status();
    if (*l > *h)
        return Status(Code::invalid_argument, "limit low \"" + std::string(lo) +
                                                  "\" is above high \"" + std::string(hi) + "\"");
    return range(*l, *h, expected);
}

Result<Limit> Limit::parse(std::string_view text, Unit expected) {
    auto trimmed = text;
    while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
    auto one_sided = [&](std::string_view op, bool upper) -> std::optional<Result<Limit>> {
        if (!trimmed.starts_with(op)) return std::nullopt;
        auto v = parse_as(expected, trimmed.substr(op.size()));
        if (!v) return Result<Limit>(v.status());
        return Result<Limit>(upper ? at_most(*v, expected) : at_least(*v, expected));
    };
    if (auto r = one_sided("<=", true)) return *r;
    if (auto r = one_sided(">=", false)) return *r;
    // nominal ± tolerance (tolerance in the same unit, or in %)
    for (std::string_view sep : {"±", "+-", "+/-"}) {
        auto pos = trimmed.find(sep);
        if (pos == std::string_view::npos || pos == 0) continue;
        auto nom = parse_as(expected, trimmed.substr(0, pos));
        if (!nom) return nom.status();
        auto tol = parse_quantity(trimmed.substr(pos + sep.size()));
        if (!tol) return tol.status();
        double pm = 0;
        if (tol->unit == Unit::percent) pm = std::fabs(*nom) * tol->value;
        else if (tol->unit == expected) pm = tol->value;
        else
            return Status(Code::invalid_argument,
                          "tolerance in \"" + std::string(text) + "\" must be in " +
                              std::string(unit_name(expected)) + " or %");
        return tolerance(*nom, pm, expected);
    }
    return Status(Code::invalid_argument,
                  "expected a limit like \"2.0 A ± 10 %\", \"<= 1000 mW\" or \">= 2.4 V\", got \"" +
                      std::string(text) + "\"");
}

Judgement judge(double value, double uncertainty, const Limit& limit, DecisionRule rule) {
    if (std::isnan(value)) return {Verdict::error, Zone::outside};
    if (!limit.contains(value)) return {Verdict::fail, Zone::outside};
    double u = std::fabs(uncertainty);
    auto near_edge = [&](double band) {
        return (limit.low && value < *limit.low + band) || (limit.high && value > *limit.high - band);
    };
    if (rule == DecisionRule::guard_banded && u > 0.0 && near_edge(u))
        return {Verdict::fail, Zone::guard_band};
    if (limit.marginal > 0.0 && near_edge(limit.marginal)) return {Verdict::pass, Zone::marginal};
    return {Verdict::pass, Zone::inside};
}

}  // namespace rig
