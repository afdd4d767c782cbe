#include "reports/record.hpp"

namespace rig::reports {

std::string_view to_string(RunState s) {
    switch (s) {
        case RunState::running: return "running";
        case RunState::completed: return "completed";
        case RunState::aborted: return "aborted";
    }
    return "aborted";
}

std::optional<RunState> parse_run_state(std::string_view t) {
    if (t == "running") return RunState::running;
    if (t == "completed") return RunState::completed;
    if (t == "aborted") return RunState::aborted;
    return std::nullopt;
}

}  // namespace rig::reports
