#include "rig/core/verdict.hpp"

namespace rig {

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::pass: return "PASS";
        case Verdict::fail: return "FAIL";
        case Verdict::error: return "ERROR";
        case Verdict::skipped: return "SKIPPED";
    }
    return "ERROR";
}

std::optional<Verdict> parse_verdict(std::string_view t) {
    if (t == "PASS" || t == "pass") return Verdict::pass;
    if (t == "FAIL" || t == "fail") return Verdict::fail;
    if (t == "ERROR" || t == "error") return Verdict::error;
    if (t == "SKIPPED" || t == "skipped") return Verdict::skipped;
    return std::nullopt;
}

Verdict aggregate(std::span<const Verdict> verdicts) {
    if (verdicts.empty()) return Verdict::error;
    Verdict w = Verdict::skipped;
    for (auto v : verdicts) w = worst(w, v);
    return w;
}

int exit_code(Verdict v) {
    switch (v) {
        case Verdict::pass:
        case Verdict::skipped: return 0;
        case Verdict::fail: return 1;
        case Verdict::error: return 2;
    }
    return 2;
}

}  // namespace rig
