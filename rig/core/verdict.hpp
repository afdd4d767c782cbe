// Verdicts: whether the DUT is good, as judged from measurements against limits.
//
// PASS     the value is inside its limit (with the decision rule of limit.hpp).
// FAIL     the DUT is out of spec: the value is outside its limit, or (guard-banded rule)
//          inside it but within the measurement uncertainty of an edge, so conformance is
//          not proven. FAIL always means "the DUT", never "the rig".
// ERROR    the rig could not judge: an instrument did not answer, a reply was corrupt, the
//          interlock was open, the plan was wrong. Says nothing about the DUT.
// SKIPPED  not measured on purpose (a condition was false, or the run stopped earlier).
//
// Summing up a run (or a step): ERROR > FAIL > PASS > SKIPPED, the worst wins. ERROR
// outranks FAIL because once the rig itself is in doubt, every FAIL near the error may be
// the rig's fault too: the unit must be retested on a working rig, not scrapped. The record
// keeps every measurement's own verdict, so a FAIL under an ERROR is still visible.
// Nothing but SKIPPED gives SKIPPED; no measurement at all gives ERROR (nothing was judged).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace rig {

enum class Verdict : unsigned char { skipped = 0, pass = 1, fail = 2, error = 3 };

std::string_view to_string(Verdict v);  // "PASS", "FAIL", "ERROR", "SKIPPED"
std::optional<Verdict> parse_verdict(std::string_view text);

// The worse of two verdicts under the ordering above.
constexpr Verdict worst(Verdict a, Verdict b) { return a > b ? a : b; }

// Sum of a run: the worst verdict, or ERROR when the list is empty.
Verdict aggregate(std::span<const Verdict> verdicts);

// Exit status of the `rig` command for a run verdict: 0 PASS (or all SKIPPED), 1 FAIL,
// 2 ERROR. (3 is bad command line, plan or fixture, decided before any verdict exists.)
int exit_code(Verdict v);

}  // namespace rig
