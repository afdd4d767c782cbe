#include "rig/core/status.hpp"

namespace rig {

std::string_view to_string(Code c) {
    switch (c) {
        case Code::ok: return "ok";
        case Code::timeout: return "timeout";
        case Code::bad_reply: return "bad_reply";
        case Code::busy: return "busy";
        case Code::disconnected: return "disconnected";
        case Code::device_error: return "device_error";
        case Code::refused: return "refused";
        case Code::interlock_open: return "interlock_open";
        case Code::identity_mismatch: return "identity_mismatch";
        case Code::calibration_expired: return "calibration_expired";
        case Code::not_supported: return "not_supported";
        case Code::invalid_argument: return "invalid_argument";
        case Code::io_error: return "io_error";
        case Code::cancelled: return "cancelled";
    }
    return "unknown";
}

std::string_view to_string(Recovery r) {
    switch (r) {
        case Recovery::none: return "none";
        case Recovery::retry_call: return "retry the call";
        case Recovery::retry_step: return "retry the step";
        case Recovery::fix_rig: return "fix the rig";
    }
    return "unknown";
}

Recovery recovery(Code c) {
    switch (c) {
        case Code::ok:
        case Code::cancelled: return Recovery::none;
        case Code::timeout:
        case Code::bad_reply:
        case Code::busy: return Recovery::retry_call;
        case Code::disconnected:
        case Code::device_error: return Recovery::retry_step;
        case Code::refused:
        case Code::interlock_open:
        case Code::identity_mismatch:
        case Code::calibration_expired:
        case Code::not_supported:
        case Code::invalid_argument:
        case Code::io_error: return Recovery::fix_rig;
    }
    return Recovery::fix_rig;
}

Status Status::with_context(std::string_view where) const& {
    Status s = *this;
    return std::move(s).with_context(where);
}

Status Status::with_context(std::string_view where) && {
    if (is_ok() || where.empty()) return std::move(*this);
    message_ = std::string(where) + ": " + message_;
    return std::move(*this);
}

std::string Status::describe() const {
    if (is_ok()) return "ok";
    return std::string(to_string(code_)) + ": " + message_;
}

}  // namespace rig
