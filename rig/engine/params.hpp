// Step parameters: what a plan step may say, as typed values with the place they were
// written. Each step kind declares its parameters (ParamSpec: name, type, unit, default);
// the plan loader parses what the author wrote against that table, so a step that reaches
// the sequencer only carries values that were checked at load (names, units, ranges).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rig/core/config.hpp"
#include "rig/core/limit.hpp"
#include "rig/core/units.hpp"

namespace rig::engine {

enum class ParamType : unsigned char {
    quantity,       // "3.300 V"
    quantity_list,  // ["1 V", "2 V"] (a single string is a list of one)
    integer,        // 7
    boolean,        // true / false
    text,           // "shutdown" (a word from `choices`, or free text when choices is empty)
    limit,          // "2.0 A ± 10 %", "<= 1000 mW", ["2.0 V", "2.4 V"], [">= 2.0 V", "<= 2.4 V"]
                    // (unit `none` on a limit spec: the kind parses `raw` with a unit it
                    // knows later, e.g. from another parameter)
    pins,           // "all" or [1, 2, 3]: DUT pins B1..B24
};

// Commanded values are checked against the fixture's safe limits at load, by role.
enum class SafeRole : unsigned char { none, cell_voltage, supply_voltage, supply_current };

struct ParamSpec {
    std::string_view name;
    ParamType type{ParamType::quantity};
    Unit unit{Unit::none};
    std::string_view default_text;  // parsed like a written value; "" and !required: absent
    bool required{false};
    SafeRole safe{SafeRole::none};
    std::string_view help;
    std::vector<std::string_view> choices{};  // text: the words allowed
};

struct ParamValue {
    ParamType type{ParamType::quantity};
    Unit unit{Unit::none};
    bool given{false};                // written in the plan (not a default)
    double number{0.0};               // quantity (SI), integer, boolean (0/1)
    std::vector<double> numbers;      // quantity_list (SI)
    std::string text;                 // text, and the text as written for every type
    Limit limit;
    std::vector<int> pins;            // empty: every wired pin
    std::vector<std::string> raw;     // the text(s) as written, after sweep substitution
    SourcePos where;
    std::string key;                  // "steps[3].voltage"
};

// The parameters of one step, every declared one present (given or default) except
// optional ones without default.
class Params {
public:
    bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
    bool given(std::string_view name) const;
    const ParamValue& at(std::string_view name) const;  // throws std::out_of_range
    const ParamValue* find(std::string_view name) const;

    double q(std::string_view name) const { return at(name).number; }
    std::optional<double> opt_q(std::string_view name) const;
    const std::vector<double>& list(std::string_view name) const { return at(name).numbers; }
    std::int64_t i(std::string_view name) const { return static_cast<std::int64_t>(at(name).number); }
    bool b(std::string_view name) const { return at(name).number != 0.0; }
    const std::string& s(std::string_view name) const { return at(name).text; }
    const Limit& limit(std::string_view name) const { return at(name).limit; }
    const std::vector<int>& pins(std::string_view name) const { return at(name).pins; }
    Seconds seconds(std::string_view name) const { return Seconds(q(name)); }

    void set(std::string name, ParamValue v) { values_[std::move(name)] = std::move(v); }
    const std::map<std::string, ParamValue>& all() const { return values_; }

private:
    std::map<std::string, ParamValue> values_;
};

// Parses limit texts as a plan writes them ("2.0 A ± 10 %", "<= 1 W", a bare value for an
// exact limit, or a two-element list of values or of bounds) in unit `u`.
Result<Limit> parse_limit_texts(const std::vector<std::string>& items, Unit u, bool list);

}  // namespace rig::engine
