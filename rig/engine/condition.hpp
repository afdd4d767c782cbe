// Step conditions (`when = "..."` in a plan): a deliberately small boolean language over
// facts of the fixture and results of earlier steps, parsed at plan load, evaluated by the
// sequencer just before the step. A false condition makes the step SKIPPED with the
// condition as the reason.
//
//   expr  := term { "or" term }          term := factor { "and" factor }
//   factor := "not" factor | "(" expr ")" | NAME [ CMP VALUE ]
//   CMP   := < <= > >= == !=             VALUE := a number, or a number with a unit "2.3 V"
//
// Names without a comparison are facts:   fixture.has_temperature
//                                          <step>.passed  <step>.failed  <step>.ran
//                                          <step>.skipped <step>.error
// Names with a comparison are numbers:     fixture.cell_count
//                                          <step>.<measurement>   (value of that measurement)
// A comparison against a measurement that has no value is false.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "rig/core/status.hpp"
#include "rig/core/units.hpp"

namespace rig::engine {

// What a condition can ask at run time.
class ConditionEnv {
public:
    virtual ~ConditionEnv() = default;
    virtual std::optional<bool> fact(const std::string& name) const = 0;
    virtual std::optional<double> number(const std::string& name) const = 0;  // SI
};

class Condition {
public:
    // Parses `text`; `known_steps` are the ids of steps before this one (for names
    // <step>.xxx). Errors say which word is wrong.
    static Result<Condition> parse(const std::string& text, const std::set<std::string>& known_steps);

    // True/false, or an explanation when a name is unknown at run time.
    bool eval(const ConditionEnv& env) const;
    const std::string& text() const { return text_; }

    struct Node;

private:
    std::string text_;
    std::shared_ptr<const Node> root_;
};

}  // namespace rig::engine
