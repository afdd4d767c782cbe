// The public side of every instrument kind (kinds.hpp): lock, check (range, safe limits,
// slew, interlock) before anything reaches a backend, then add where() to every error.
#include "drivers/kinds.hpp"

#include <cmath>

// where() is only built when something failed: the success path formats no text.
#define RIG_TRY_HERE(expr)                                                                   \
    do {                                                                                     \
        auto rig_here_ = (expr);                                                             \
        if (!rig_here_) return ::rig::detail::status_of(rig_here_).with_context(where());  \
    } while (0)
#define RIG_RETURN_HERE(expr)                                        \
    do {                                                             \
        auto rig_here_ = (expr);                                     \
        if (!rig_here_) return rig_here_.status().with_context(where()); \
        return rig_here_;                                            \
    } while (0)

namespace rig::drivers {
namespace {

Status not_connected() { return Status(Code::disconnected, "not connected (connect() first)"); }

}  // namespace

// --- CellEmulator -------------------------------------------------------------------------

namespace {
Status check_channels(std::span<const int> channels, int count) {
    for (int c : channels)
        if (c < 1 || c > count)
            return Status(Code::invalid_argument, "channel " + std::to_string(c) + " outside 1-" + std::to_string(count));
    return Status::ok();
}
}  // namespace

Status CellEmulator::set_voltages(std::span<const ChannelVoltage> setpoints) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    const SafeLimits* lim = limits() ? &*limits() : nullptr;
    // Every setpoint is checked before any of them reaches the wire: a batch is all or nothing.
    for (auto& sp : setpoints) {
        auto ch = [&] { return std::to_string(sp.channel); };  // text only for an error
        if (sp.channel < 1 || sp.channel > channel_count_)
            return Status(Code::invalid_argument, "channel " + ch() + " outside 1-" + std::to_string(channel_count_))
                .with_context(where());
        if (!std::isfinite(sp.voltage.value))
            return Status(Code::invalid_argument, "channel " + ch() + " voltage is not a number").with_context(where());
        if (!lim) continue;
        if (lim->voltage && !lim->voltage->contains(sp.voltage.value))
            RIG_TRY_HERE(check_range("channel " + ch() + " voltage", sp.voltage.value, lim->voltage, Unit::volt));
        auto idx = static_cast<size_t>(sp.channel - 1);
        // An unknown previous setpoint (first command after connect) is not slew-checked.
        if (lim->max_slew && idx < last_setpoint_.size() && !std::isnan(last_setpoint_[idx]) &&
            std::fabs(sp.voltage.value - last_setpoint_[idx]) > *lim->max_slew)
            return Status(Code::refused, "channel " + ch() + " step " + format_fixed(last_setpoint_[idx], 3) + " V -> " +
                                             format_fixed(sp.voltage.value, 3) + " V exceeds the cells max_slew " +
                                             format_fixed(*lim->max_slew, 3) + " V (" + lim->where.str() + ")")
                .with_context(where());
    }
    auto s = do_set_voltages(setpoints);
    if (!s) {
        // What the outputs hold is unknown after a failed batch.
        last_setpoint_.clear();
        return std::move(s).with_context(where());
    }
    if (last_setpoint_.size() < static_cast<size_t>(channel_count_))
        last_setpoint_.resize(static_cast<size_t>(channel_count_), std::nan(""));
    for (auto& sp : setpoints) last_setpoint_[static_cast<size_t>(sp.channel - 1)] = sp.voltage.value;
    return Status::ok();
}

Result<std::vector<Volts>> CellEmulator::read_voltages(std::span<const int> channels) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_TRY_HERE(check_channels(channels, channel_count_));
    RIG_RETURN_HERE(do_read_voltages(channels));
}

Result<std::vector<Amps>> CellEmulator::read_currents(std::span<const int> channels) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_TRY_HERE(check_channels(channels, channel_count_));
    RIG_RETURN_HERE(do_read_currents(channels));
}

Status CellEmulator::set_outputs(std::span<const int> channels, bool on) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_TRY_HERE(check_channels(channels, channel_count_));
    if (on) RIG_TRY_HERE(check_interlock());
    RIG_TRY_HERE(do_set_outputs(channels, on));
    return Status::ok();
}

Status CellEmulator::set_open_lead(int channel, bool open) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    const int one[] = {channel};
    RIG_TRY_HERE(check_channels(one, channel_count_));
    RIG_TRY_HERE(do_set_open_lead(channel, open));
    return Status::ok();
}

// --- Supply -------------------------------------------------------------------------------

Status Supply::set_voltage(Volts v) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    if (!std::isfinite(v.value) || v.value < 0)
        return Status(Code::invalid_argument, "voltage " + format_fixed(v.value, 3) + " V").with_context(where());
    if (limits()) RIG_TRY_HERE(check_range("voltage", v.value, limits()->voltage, Unit::volt));
    RIG_TRY_HERE(do_set_voltage(v));
    return Status::ok();
}

Status Supply::set_current_limit(Amps a) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    if (!std::isfinite(a.value) || a.value < 0)
        return Status(Code::invalid_argument, "current limit " + format_fixed(a.value, 3) + " A").with_context(where());
    if (limits()) RIG_TRY_HERE(check_range("current limit", a.value, limits()->current, Unit::ampere));
    RIG_TRY_HERE(do_set_current_limit(a));
    return Status::ok();
}

Status Supply::set_output(bool on) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    if (on) RIG_TRY_HERE(check_interlock());
    RIG_TRY_HERE(do_set_output(on));
    return Status::ok();
}

Result<Volts> Supply::measure_voltage() {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_RETURN_HERE(do_measure_voltage());
}

Result<Amps> Supply::measure_current() {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_RETURN_HERE(do_measure_current());
}

// --- Meter --------------------------------------------------------------------------------

Status Meter::configure(MeterFunction f, std::optional<double> range, double nplc) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    if (range && !(std::isfinite(*range) && *range > 0))
        return Status(Code::invalid_argument, "range must be positive").with_context(where());
    if (!(std::isfinite(nplc) && nplc > 0))
        return Status(Code::invalid_argument, "nplc must be positive").with_context(where());
    RIG_TRY_HERE(do_configure(f, range, nplc));
    function_ = f;
    range_ = range;
    return Status::ok();
}

Result<double> Meter::read() {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_RETURN_HERE(do_read());
}

double Meter::uncertainty(double value) const { return do_uncertainty(value); }

// --- RelayBank ----------------------------------------------------------------------------

// Relays only route (B+, comms, lamps); the outputs that energise (supply, emulator) carry
// the interlock check, so lamps still work with the lid open.
Status RelayBank::set(int relay, bool on) {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    if (relay < 0 || relay >= relays_)
        return Status(Code::invalid_argument, "relay " + std::to_string(relay) + " outside 0-" + std::to_string(relays_ - 1))
            .with_context(where());
    RIG_TRY_HERE(do_set(relay, on));
    return Status::ok();
}

Result<std::vector<bool>> RelayBank::read() {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    RIG_RETURN_HERE(do_read());
}

Result<std::vector<bool>> RelayBank::read_inputs() {
    std::lock_guard lock(mutex());
    if (!connected()) return not_connected().with_context(where());
    if (inputs_ == 0) return Status(Code::not_supported, "this relay board has no inputs").with_context(where());
    RIG_RETURN_HERE(do_read_inputs());
}

}  // namespace rig::drivers
