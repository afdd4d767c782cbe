// make_jk_link (link.hpp) and what both JK links share (links.hpp).
#include "drivers/jk/link.hpp"

#include <fmt/format.h>

#include "drivers/jk/codec/can.hpp"
#include "drivers/jk/codec/rs485.hpp"
#include "drivers/jk/links.hpp"

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
    double timeout_ms = 1000.0;
    auto opt = spec.options.find("reply_timeout_ms");
    std::string text = opt != spec.options.end() ? opt->second : model.quirk("reply_timeout_ms");
    if (!text.empty()) {
        auto v = number(text, "reply_timeout_ms");
        if (!v) return v.status();
        timeout_ms = *v;
    }
    if (timeout_ms <= 0) return Status(Code::invalid_argument, spec.id + ": reply_timeout_ms must be > 0");
    t.reply_timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(timeout_ms));
    t.temperature_scale = default_scale;
    auto scale = model.quirk("temperature_scale");
    if (!scale.empty()) {
        auto v = number(scale, "temperature_scale");
        if (!v) return v.status();
        t.temperature_scale = *v;
    }
    return t;
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
