// make_jk_link (link.hpp) and what both JK links share (links.hpp): timing, identity at
// connect, attempts and error context.
#include "drivers/jk/link.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "drivers/jk/codec/can.hpp"
#include "drivers/jk/codec/rs485.hpp"
#include "drivers/jk/links.hpp"
#include "rig/core/log.hpp"

namespace rig::drivers {
namespace jklink {

DutStatus to_dut_status(const jk::BalancerStatus& s, TimePoint received) {
    DutStatus d;
    d.received = received;
    d.total = Volts(s.total_10mV * 0.01);
    d.average = Volts(s.average_mV * 1e-3);
    d.detected_cells = s.detected_cells;
    d.highest_cell = s.highest_cell;
    d.lowest_cell = s.lowest_cell;
    d.charging = s.charging;
    d.discharging = s.discharging;
    d.alarm_cell_count = s.alarm_cell_count;
    d.alarm_lead_resistance = s.alarm_lead_resistance;
    d.alarm_overvoltage = s.alarm_overvoltage;
    d.max_delta = Volts(s.max_delta_mV * 1e-3);
    d.balance_current = Amps(s.balance_current_mA * 1e-3);
    d.trigger_delta = Volts(s.trigger_mV * 1e-3);
    d.max_balance_current = Amps(s.max_balance_current_mA * 1e-3);
    d.balancing_switch = s.balancing_switch;
    d.configured_cells = s.configured_cells;
    d.cells.reserve(jk::kMaxCells);
    for (auto mV : s.cells_mV) d.cells.push_back(Volts(mV * 1e-3));
    d.temperature = Celsius(s.temperature_C);
    return d;
}

jk::Command command_of(DutSetting s) {
    switch (s) {
        case DutSetting::cell_count: return jk::Command::set_cell_count;
        case DutSetting::trigger_delta: return jk::Command::set_trigger;
        case DutSetting::max_balance_current: return jk::Command::set_max_current;
        case DutSetting::balancing_switch: return jk::Command::set_switch;
    }
    return jk::Command::read_all;
}

Result<LinkTiming> link_timing(const InstrumentSpec& spec, const ModelFile& model, double default_scale) {
    LinkTiming t;
    t.retries = std::max(0, spec.retries);
    auto number = [&](const std::string& text, const char* what) -> Result<double> {
        auto v = parse_number(text);
        if (!v)
            return Status(Code::invalid_argument,
                          fmt::format("{}: {} \"{}\" is not a number (model {})", spec.id, what, text, model.file));
        return *v;
    };
    auto ms = [](double v) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(v)); };
    // Protocol: the model's word for what the balancer promises.
    t.protocol_timeout = std::chrono::seconds(1);
    if (auto q = model.quirk("reply_timeout_ms"); !q.empty()) {
        auto v = number(q, "quirk reply_timeout_ms");
        if (!v) return v.status();
        if (*v <= 0) return Status(Code::invalid_argument, fmt::format("{}: model {} quirk reply_timeout_ms must be > 0", spec.id, model.file));
        t.protocol_timeout = ms(*v);
    }
    // Wire: options.reply_timeout_ms > the fixture's `timeout` > the protocol's.
    t.reply_timeout = spec.timeout_given ? spec.timeout : t.protocol_timeout;
    if (auto opt = spec.options.find("reply_timeout_ms"); opt != spec.options.end()) {
        auto v = number(opt->second, "options.reply_timeout_ms");
        if (!v) return v.status();
        if (*v <= 0) return Status(Code::invalid_argument, spec.id + ": options.reply_timeout_ms must be > 0");
        t.reply_timeout = ms(*v);
    }
    t.probe_timeout = t.reply_timeout;
    if (auto opt = spec.options.find("probe_timeout_ms"); opt != spec.options.end()) {
        auto v = number(opt->second, "options.probe_timeout_ms");
        if (!v) return v.status();
        if (*v <= 0) return Status(Code::invalid_argument, spec.id + ": options.probe_timeout_ms must be > 0");
        t.probe_timeout = ms(*v);
    }
    t.temperature_scale = default_scale;
    auto scale = model.quirk("temperature_scale");
    if (!scale.empty()) {
        auto v = number(scale, "temperature_scale");
        if (!v) return v.status();
        t.temperature_scale = *v;
    }
    return t;
}

// ---- JkLink: what both links share ------------------------------------------------------

namespace {

TimePoint wall_now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }
long long to_ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

Result<Identity> JkLink::do_identify() {
    Identity id;
    id.manufacturer = model_.manufacturer;
    id.model = model_.name;
    // One quick read-all: a DUT that is not powered yet must not fail the connect.
    auto r = read_once(std::min<Duration>(timing_.probe_timeout, std::chrono::milliseconds(300)));
    id.raw = r ? fmt::format("{} has no identity query; read-all at connect: {} cells detected, {} configured",
                             protocol_, r->detected_cells, r->configured_cells)
               : fmt::format("{} has no identity query; no answer to read-all at connect ({})", protocol_,
                             r.status().message());
    return id;
}

Result<DutStatus> JkLink::do_read_all() { return read_with(timing_.retries + 1, timing_.reply_timeout); }

Result<DutStatus> JkLink::do_probe() { return read_with(1, timing_.probe_timeout); }

Result<DutStatus> JkLink::read_with(int attempts, Duration timeout) {
    int made = 0;
    auto r = attempt(jk::Command::read_all, attempts, &made, [&] { return read_once(timeout); });
    if (!r) return r.status();
    auto d = to_dut_status(*r, wall_now());
    d.attempts = made;
    return d;
}

Result<int> JkLink::do_write_setting(DutSetting s, int value) {
    auto cmd = command_of(s);
    RIG_TRY(check_value(cmd, value));
    int made = 0;
    return attempt(cmd, timing_.retries + 1, &made, [&] { return write_once(cmd, value); });
}

// Up to `attempts` tries of `fn`: timeouts and garbled answers are retried (noisy lines),
// anything else (the port itself failed) is not. One log line per failed transaction.
template <class Fn>
auto JkLink::attempt(jk::Command cmd, int attempts, int* made, Fn fn) -> decltype(fn()) {
    Status last;
    for (*made = 1;; ++*made) {
        if (*made > 1) before_retry();
        auto r = fn();
        if (r) return r;
        last = r.status();
        if (*made >= attempts || (last.code() != Code::timeout && last.code() != Code::bad_reply)) break;
    }
    auto where = where_command(cmd);
    auto msg = fmt::format("{} ({} attempt{}, reply timeout {} ms)", last.message(), *made, *made == 1 ? "" : "s",
                           to_ms(timing_.reply_timeout));
    log::get("driver.jk")->warn("{} {}: {}: {}", spec().id, wire(), where, msg);
    return Status(last.code(), where + ": " + msg);
}

}  // namespace jklink

Result<std::unique_ptr<DutLink>> make_jk_link(const InstrumentSpec& spec, const ModelFile& model) {
    const auto& scheme = spec.connection.scheme;
    std::unique_ptr<DutLink> link;
    if (model.protocol == "jk-rs485" && scheme == "serial") {
        auto t = jklink::link_timing(spec, model, jk::rs485::kDefaultTemperatureScale);
        if (!t) return t.status();
        link = jklink::make_rs485_link(spec, model, *t);
    } else if (model.protocol == "jk-can" && (scheme == "slcan" || scheme == "socketcan")) {
        auto t = jklink::link_timing(spec, model, jk::can::kDefaultTemperatureScale);
        if (!t) return t.status();
        link = jklink::make_can_link(spec, model, *t);
    } else {
        return Status(Code::invalid_argument,
                      fmt::format("{}: model {} speaks {}, which needs {}, not \"{}\"", spec.id, model.name,
                                  model.protocol,
                                  model.protocol == "jk-can" ? "slcan:DEVICE or socketcan:IFACE" : "serial:DEVICE",
                                  spec.connection_text));
    }
    // The fixture's socket sets the address (bench); options.address is for a bare link.
    auto a = spec.options.find("address");
    if (a != spec.options.end()) {
        auto v = parse_number(a->second);
        if (!v || *v < 0 || *v > 255)
            return Status(Code::invalid_argument, fmt::format("{}: options.address \"{}\" is not 0-255", spec.id,
                                                              a->second));
        link->set_address(static_cast<int>(*v));
    }
    return link;
}

}  // namespace rig::drivers
