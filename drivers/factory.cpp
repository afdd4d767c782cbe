// The instrument factory (factory.hpp): model protocol + kind + connection scheme pick the
// backend (table in drivers/backends/backends.hpp). Nothing here knows about twins.
#include "drivers/factory.hpp"

#include <charconv>

#include "drivers/backends/backends.hpp"
#include "drivers/gpio.hpp"
#include "drivers/jk/link.hpp"

namespace rig::drivers {
namespace {

bool one_of(const std::string& s, std::initializer_list<const char*> options) {
    for (auto* o : options)
        if (s == o) return true;
    return false;
}

Result<std::unique_ptr<Instrument>> build(const InstrumentSpec& spec, const ModelFile& m) {
    const auto& scheme = spec.connection.scheme;
    auto wrong_scheme = [&](const char* want) {
        return Status(Code::invalid_argument, "model " + m.name + " (" + m.protocol + ") needs a " + want +
                                                  " connection, got \"" + spec.connection_text + "\"");
    };
    if (m.protocol == "modbus") {
        if (!one_of(scheme, {"modbus-tcp", "modbus-rtu"})) return wrong_scheme("modbus-tcp:// or modbus-rtu:");
        if (m.kind == "cell_emulator") return make_modbus_cell_emulator(spec, m);
        if (m.kind == "supply") return make_modbus_supply(spec, m);
        if (m.kind == "relay_bank") return make_modbus_relay_bank(spec, m);
    } else if (m.protocol == "scpi") {
        if (!one_of(scheme, {"scpi-tcp", "scpi-serial", "tcp", "serial"}))
            return wrong_scheme("scpi-tcp:// or scpi-serial:");
        if (m.kind == "supply") return make_scpi_supply(spec, m);
        if (m.kind == "meter") return make_scpi_meter(spec, m);
    } else if (m.protocol == "ascii") {
        if (!one_of(scheme, {"tcp", "serial", "scpi-tcp", "scpi-serial"})) return wrong_scheme("tcp:// or serial:");
        if (m.kind == "cell_emulator") return make_ascii_cell_emulator(spec, m);
    } else if (m.protocol == "jk-rs485" || m.protocol == "jk-can") {
        auto link = make_jk_link(spec, m);
        if (!link) return link.status();
        return std::unique_ptr<Instrument>(std::move(*link));
    } else if (m.protocol == "gpiod") {
        if (scheme != "gpio") return wrong_scheme("gpio:CHIP");
        auto map = GpioLineMap::parse(spec.options);
        if (!map) return map.status();
        return std::unique_ptr<Instrument>(new GpioBank(spec, std::move(*map)));
    }
    return Status(Code::not_supported, "no backend for a " + m.kind + " speaking " + m.protocol + " (model " + m.name + ")");
}

}  // namespace

Result<std::shared_ptr<Instrument>> open_instrument(const InstrumentSpec& spec) {
    auto where = spec.id + " " + spec.connection_text;
    ModelFile model;
    try {
        model = load_model(spec.model_file);
    } catch (const ConfigError& e) {
        return Status(Code::invalid_argument, std::string("model file: ") + e.what()).with_context(where);
    }
    if (model.kind != to_string(spec.kind))
        return Status(Code::invalid_argument, "model " + model.name + " is a " + model.kind + ", but the fixture says " +
                                                  std::string(to_string(spec.kind)) + " (" + spec.where.str() + ")")
            .with_context(where);
    auto inst = build(spec, model);
    if (!inst) return inst.status().with_context(where);
    return std::shared_ptr<Instrument>(std::move(*inst));
}

InterlockProbe make_interlock_probe(std::shared_ptr<Instrument> instrument, const InterlockSpec& spec) {
    std::weak_ptr<Instrument> weak = instrument;
    if (auto* relays = dynamic_cast<RelayBank*>(instrument.get())) {
        (void)relays;
        int index = -1;
        auto [p, ec] = std::from_chars(spec.input.data(), spec.input.data() + spec.input.size(), index);
        if (ec != std::errc() || p != spec.input.data() + spec.input.size()) index = -1;
        return [weak, index, spec]() -> Result<bool> {
            auto inst = weak.lock();
            if (!inst) return Status(Code::disconnected, "interlock instrument " + spec.instrument + " is gone");
            auto inputs = static_cast<RelayBank&>(*inst).read_inputs();
            if (!inputs) return inputs.status();
            if (index < 0 || index >= static_cast<int>(inputs->size()))
                return Status(Code::invalid_argument, "interlock input \"" + spec.input + "\" is not an input of " +
                                                          spec.instrument);
            return interlock_closed((*inputs)[static_cast<size_t>(index)], spec.closed_level);
        };
    }
    if (dynamic_cast<GpioBank*>(instrument.get())) {
        return [weak, spec]() -> Result<bool> {
            auto inst = weak.lock();
            if (!inst) return Status(Code::disconnected, "interlock instrument " + spec.instrument + " is gone");
            auto level = static_cast<GpioBank&>(*inst).read(spec.input);
            if (!level) return level.status();
            return interlock_closed(*level, spec.closed_level);
        };
    }
    return [spec]() -> Result<bool> {
        return Status(Code::invalid_argument, "interlock instrument " + spec.instrument + " has no inputs");
    };
}

}  // namespace rig::drivers
