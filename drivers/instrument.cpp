// Instrument's lifecycle and the checks every kind shares (instrument.hpp). Backends only
// talk; this file decides whether they may.
#include "drivers/instrument.hpp"

#include "rig/core/log.hpp"
#include "rig/core/units.hpp"

namespace rig::drivers {
namespace {

std::string_view role_of(InstrumentKind k) {
    switch (k) {
        case InstrumentKind::cell_emulator: return "cells";
        case InstrumentKind::supply: return "supply";
        default: return to_string(k);
    }
}

std::string value_text(double v, Unit u) {
    auto sym = symbol(u);
    return format_fixed(v, 3) + (sym.empty() ? "" : " " + std::string(sym));
}

}  // namespace

std::string Instrument::where() const {
    return spec_.id + " " + (spec_.connection_text.empty() ? spec_.connection.str() : spec_.connection_text);
}

Status Instrument::connect(const std::string& today) {
    std::lock_guard lock(mutex_);
    if (connected_) return Status::ok();
    auto fail = [&](Status s) {
        do_close();
        s = std::move(s).with_context(where());
        log::get("driver")->error("{}", s.describe());
        return s;
    };
    if (auto s = do_open(); !s) return fail(std::move(s));
    auto id = do_identify();
    if (!id) return fail(id.status());
    identity_ = std::move(*id);
    if (spec_.require_model) {
        if (auto s = do_check_identity(identity_); !s) return fail(std::move(s));
    }
    if (spec_.serial && identity_.serial != *spec_.serial)
        return fail(Status(Code::identity_mismatch, "serial \"" + identity_.serial + "\", but the fixture requires \"" +
                                                        *spec_.serial + "\" (" + spec_.where.str() + ")"));
    // ISO dates compare as text.
    if (spec_.calibration_due && *spec_.calibration_due < today)
        return fail(Status(Code::calibration_expired, "calibration was due " + *spec_.calibration_due + " (today is " +
                                                          today + "); recalibrate it, then update calibration_due (" +
                                                          spec_.where.str() + ")"));
    if (auto s = do_arm_watchdog(); !s) return fail(std::move(s));
    connected_ = true;
    log::get("driver")->info("{}: connected to {} {} serial {} firmware {}", where(), identity_.manufacturer,
                             identity_.model, identity_.serial.empty() ? "-" : identity_.serial,
                             identity_.firmware.empty() ? "-" : identity_.firmware);
    return Status::ok();
}

Status Instrument::safe() {
    std::lock_guard lock(mutex_);
    if (!connected_) return Status::ok();  // nothing on the wire: nothing to make safe
    auto s = do_safe();
    if (!s) {
        s = std::move(s).with_context(where());
        log::get("driver")->error("safe state failed: {}", s.describe());
    }
    return s;
}

void Instrument::disconnect() {
    std::lock_guard lock(mutex_);
    if (!connected_) return;
    do_close();
    connected_ = false;
    log::get("driver")->info("{}: disconnected", where());
}

Status Instrument::check_interlock() {
    if (!interlock_) return Status::ok();
    auto closed = interlock_();
    if (!closed)
        return Status(Code::interlock_open, "interlock could not be read (" + closed.status().describe() +
                                                "); outputs stay off");
    if (!*closed) return Status(Code::interlock_open, "interlock open: output refused until it closes");
    return Status::ok();
}

Status Instrument::check_range(std::string_view what, double value, const std::optional<Range>& r, Unit u) const {
    if (!r || r->contains(value)) return Status::ok();
    std::string where_limit = limits_ && !limits_->where.file.empty() ? " (" + limits_->where.str() + ")" : "";
    return Status(Code::refused, std::string(what) + " " + value_text(value, u) + " outside the " +
                                     std::string(role_of(spec_.kind)) + " safe limit [" + value_text(r->low, u) +
                                     ", " + value_text(r->high, u) + "]" + where_limit);
}

}  // namespace rig::drivers
