// Physical quantities as types, and locale-independent parsing of "3.300 V", "±3 mV",
// "500 ms", "2 A", "25 °C". Every value that crosses an interface of the rig carries its
// unit in its type (Volts, Amps, ...) or, where a unit is only known at run time (a limit
// read from a plan), as a `Unit` beside a double in SI base units.
#pragma once

#include <chrono>
#include <compare>
#include <string>
#include <string_view>

#include "rig/core/status.hpp"

namespace rig {

// The units the rig knows. Values are always stored in the SI base unit (V, A, ohm, W, °C,
// s); prefixes (m, µ/u, k) only exist in text.
enum class Unit : unsigned char { none, volt, ampere, ohm, watt, celsius, second, percent, hertz };

std::string_view symbol(Unit u);                  // "V", "A", "Ω", "W", "°C", "s", "%", "Hz", ""
std::string_view unit_name(Unit u);               // "voltage", "current", ... for error messages
Result<Unit> parse_unit_symbol(std::string_view);  // "V" -> volt (no prefix)

template <Unit U>
struct Quantity {
    static constexpr Unit unit = U;
    double value{0.0};  // SI base unit

    constexpr Quantity() = default;
    constexpr explicit Quantity(double v) : value(v) {}

    constexpr auto operator<=>(const Quantity&) const = default;
    constexpr Quantity operator+(Quantity o) const { return Quantity(value + o.value); }
    constexpr Quantity operator-(Quantity o) const { return Quantity(value - o.value); }
    constexpr Quantity operator-() const { return Quantity(-value); }
    constexpr Quantity operator*(double k) const { return Quantity(value * k); }
    constexpr Quantity operator/(double k) const { return Quantity(value / k); }
    constexpr double operator/(Quantity o) const { return value / o.value; }
    constexpr Quantity& operator+=(Quantity o) { value += o.value; return *this; }
    constexpr Quantity& operator-=(Quantity o) { value -= o.value; return *this; }
};

using Volts = Quantity<Unit::volt>;
using Amps = Quantity<Unit::ampere>;
using Ohms = Quantity<Unit::ohm>;
using Watts = Quantity<Unit::watt>;
using Celsius = Quantity<Unit::celsius>;
using Seconds = std::chrono::duration<double>;

constexpr Watts operator*(Volts v, Amps a) { return Watts(v.value * a.value); }
constexpr Amps operator/(Volts v, Ohms r) { return Amps(v.value / r.value); }

namespace literals {
constexpr Volts operator""_V(long double v) { return Volts(static_cast<double>(v)); }
constexpr Volts operator""_mV(long double v) { return Volts(static_cast<double>(v) * 1e-3); }
constexpr Volts operator""_mV(unsigned long long v) { return Volts(static_cast<double>(v) * 1e-3); }
constexpr Amps operator""_A(long double v) { return Amps(static_cast<double>(v)); }
constexpr Amps operator""_mA(long double v) { return Amps(static_cast<double>(v) * 1e-3); }
constexpr Amps operator""_mA(unsigned long long v) { return Amps(static_cast<double>(v) * 1e-3); }
constexpr Watts operator""_W(long double v) { return Watts(static_cast<double>(v)); }
constexpr Watts operator""_mW(unsigned long long v) { return Watts(static_cast<double>(v) * 1e-3); }
constexpr Celsius operator""_degC(long double v) { return Celsius(static_cast<double>(v)); }
}  // namespace literals

// A number with its unit as read from text. `plus_minus` is set for "±3 mV" / "+-3 mV"
// (a symmetric tolerance); the value is then the half-width.
struct ParsedQuantity {
    double value{0.0};  // SI base unit
    Unit unit{Unit::none};
    bool plus_minus{false};
};

// Parses "<number> <prefix><unit>" independent of the C locale. Accepts an optional space,
// a leading '±' or "+-", SI prefixes n, µ/u, m, k, M, and "ms"/"us"/"min"/"h" for time.
// Errors name the text and what was wrong ("missing unit", "unknown unit 'Vx'").
Result<ParsedQuantity> parse_quantity(std::string_view text);

// Parses and checks the unit: parse_as(Unit::volt, "3 A") is an error that says
// "expected a voltage like \"3.3 V\", got \"3 A\"".
Result<double> parse_as(Unit expected, std::string_view text);

template <class Q>
Result<Q> parse(std::string_view text) {
    auto r = parse_as(Q::unit, text);
    if (!r) return r.status();
    return Q(*r);
}
template <>
Result<Seconds> parse<Seconds>(std::string_view text);

// Parses a plain number (no unit) independent of the locale.
Result<double> parse_number(std::string_view text);

// "3.300 V", "12.5 mV", "2.000 A" with an engineering prefix chosen for readability.
std::string format_quantity(double value, Unit u, int significant = 4);
// Fixed-point text with `decimals` digits, always with '.' whatever the locale.
std::string format_fixed(double v, int decimals);
template <Unit U>
std::string to_string(Quantity<U> q) { return format_quantity(q.value, U); }

}  // namespace rig
