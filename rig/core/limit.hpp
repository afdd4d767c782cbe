// Limits and the decision rule: how a measured value, with its uncertainty, becomes a verdict.
//
// A Limit is a low and/or high bound in one unit (either may be open), written in plans as
// a range ["2.0 V", "2.4 V"], a nominal with tolerance "2.0 A ± 10 %" / "0 mV ± 3 mV", or a
// one-sided bound. An optional marginal band (absolute, same unit) marks PASSes that sit
// close to an edge, for QA trend watching; it never changes the verdict.
//
// Decision rules (ILAC-G8 / ISO 14253-1 vocabulary):
// - simple: PASS if low <= value <= high, else FAIL. The uncertainty is recorded only.
// - guard_banded: the acceptance zone is the limit shrunk by the expanded uncertainty U on
//   each closed side. A value inside the limit but within U of an edge is in the GUARD BAND:
//   conformance is not proven, so it is not called PASS. It is reported as FAIL with
//   zone = guard_band ("not proven"), so a production line never ships it; the record and
//   reports show the zone so an engineer can tell "not proven" from "clearly out".
#pragma once

#include <optional>
#include <string>

#include "rig/core/status.hpp"
#include "rig/core/units.hpp"
#include "rig/core/verdict.hpp"

namespace rig {

enum class DecisionRule : unsigned char { simple, guard_banded };
std::string_view to_string(DecisionRule r);

// Where a value fell relative to its limit.
enum class Zone : unsigned char {
    inside,      // PASS
    marginal,    // PASS, but within the marginal band of an edge
    guard_band,  // inside the limit, within the uncertainty of an edge: FAIL (not proven)
    outside,     // FAIL
};
std::string_view to_string(Zone z);

struct Limit {
    Unit unit{Unit::none};
    std::optional<double> low;       // SI base unit
    std::optional<double> high;      // SI base unit
    std::optional<double> nominal;   // for display and for drift against tolerance
    double marginal{0.0};            // width of the marginal band, SI, >= 0

    static Limit range(double low, double high, Unit u);
    static Limit at_most(double high, Unit u);
    static Limit at_least(double low, Unit u);
    static Limit tolerance(double nominal, double plus_minus, Unit u);
    static Limit none(Unit u);  // record only, always PASS

    bool is_open() const { return !low && !high; }
    bool contains(double value) const;
    // Half-width of the limit (high - low) / 2, or nullopt when one side is open.
    std::optional<double> half_width() const;
    // "[2.000 V, 2.400 V]", "<= 1.000 W", "2.000 A ± 200.0 mA"
    std::string describe() const;

    // Parses a plan limit: "2.0 A ± 10 %", "0 mV ± 3 mV", "<= 1000 mW", ">= 2.4 V",
    // or a two-element range given as low/high texts. Errors name the text.
    static Result<Limit> parse(std::string_view text, Unit expected);
    static Result<Limit> parse_range(std::string_view low, std::string_view high, Unit expected);
};

struct Judgement {
    Verdict verdict{Verdict::error};
    Zone zone{Zone::outside};
};

// Applies the decision rule. A NaN value is ERROR (no value is not a FAIL).
Judgement judge(double value, double uncertainty, const Limit& limit, DecisionRule rule);

}  // namespace rig
