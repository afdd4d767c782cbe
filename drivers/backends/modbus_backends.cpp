// Modbus register backends (TCP or RTU): the cell emulator (rigsim-ce24/ce48), the relay
// board (Waveshare-style coils + discrete inputs) and the register supply (Riden RD60xx).
// Everything model-specific comes from the model file's [[registers]] by role name.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "drivers/backends/backends.hpp"

namespace rig::drivers {
namespace {

std::string number_text(double v) { return command_number(v); }

// Reads the identity rows the model names. `id_value` receives the identity register's
// value (when the model has one) for the model check.
Result<Identity> read_identity(ModbusClient& bus, const ModelFile& m, std::optional<long>& id_value) {
    Identity id;
    id.manufacturer = m.manufacturer;
    id.model = m.name;
    auto read_row = [&](const std::string& name) -> Result<double> {
        auto* r = m.reg(name);
        if (r->table == RegisterTable::coil || r->table == RegisterTable::discrete) {
            auto v = bus.read_bits(r->table, r->address, 1);
            if (!v) return v.status();
            return (*v)[0] ? 1.0 : 0.0;
        }
        auto v = bus.read_registers(r->table, r->address, r->words());
        if (!v) return v.status();
        return decode_register(*r, *v);
    };
    if (!m.identity_register.empty()) {
        auto v = read_row(m.identity_register);
        if (!v) return v.status();
        id_value = std::lround(*v / m.reg(m.identity_register)->scale);
        id.raw = m.identity_register + "=" + std::to_string(*id_value);
    }
    if (!m.serial_register.empty()) {
        auto v = read_row(m.serial_register);
        if (!v) return v.status();
        id.serial = std::to_string(std::llround(*v));
    }
    if (!m.firmware_register.empty()) {
        auto v = read_row(m.firmware_register);
        if (!v) return v.status();
        id.firmware = number_text(*v);
    }
    return id;
}

Status check_identity_value(const ModelFile& m, const std::optional<long>& id_value) {
    if (m.identity_register.empty() || !id_value) return Status::ok();
    if (std::find(m.identity_values.begin(), m.identity_values.end(), *id_value) != m.identity_values.end())
        return Status::ok();
    std::string vals;
    for (long v : m.identity_values) vals += (vals.empty() ? "" : ", ") + std::to_string(v);
    auto* r = m.reg(m.identity_register);
    return Status(Code::identity_mismatch, "register " + m.identity_register + " (" + std::to_string(r->address) +
                                               ") holds " + std::to_string(*id_value) + ", but model " + m.name +
                                               " is one of [" + vals + "] (" + m.file + ")");
}

// A kind over a Modbus client: identity from the model's identity/serial/firmware rows.
template <class Kind>
class ModbusBackend : public Backend<Kind, ModbusClient> {
protected:
    using Backend<Kind, ModbusClient>::Backend;

    std::optional<long> id_value_;

private:
    Result<Identity> do_identify() override { return read_identity(*this->c_, this->m_, id_value_); }
    Status do_check_identity(const Identity&) override { return check_identity_value(this->m_, id_value_); }
};

std::vector<int> all_channels(int n) {
    std::vector<int> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), 1);
    return v;
}

// --- cell emulator --------------------------------------------------------------------------

class ModbusCellEmulator : public ModbusBackend<CellEmulator> {
public:
    ModbusCellEmulator(InstrumentSpec spec, ModelFile m, std::unique_ptr<ModbusClient> bus)
        : ModbusBackend(std::move(m), std::move(bus), std::move(spec), channels_of(m)) {}

private:
    // A plain int: whichever argument is evaluated first, the model's move leaves it intact.
    static int channels_of(const ModelFile& m) { return m.channels; }

    Status do_arm_watchdog() override {
        auto name = m_.quirk("watchdog_register");
        if (name.empty()) return Status::ok();
        auto r = need_register(m_, name);
        if (!r) return r.status();
        auto it = spec().options.find("watchdog_ms");
        auto text = it != spec().options.end() ? it->second : m_.quirk("watchdog_ms", "2000");
        double ms = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (ec != std::errc() || p != text.data() + text.size() || ms <= 0)
            return Status(Code::invalid_argument, "watchdog_ms \"" + text + "\" is not a positive number");
        const std::pair<int, double> one[] = {{1, ms / 1000.0}};  // the row is in seconds
        return write_channels(*c_, **r, one);
    }

    Status do_safe() override {
        auto ch = all_channels(channel_count());
        return do_set_outputs(ch, false);
    }

    Status do_set_voltages(std::span<const ChannelVoltage> setpoints) override {
        auto r = need_register(m_, "voltage_set");
        if (!r) return r.status();
        std::vector<std::pair<int, double>> v;
        for (auto& sp : setpoints) v.push_back({sp.channel, sp.voltage.value});
        return write_channels(*c_, **r, v);
    }

    Result<std::vector<Volts>> do_read_voltages(std::span<const int> channels) override {
        auto r = need_register(m_, "voltage_read");
        if (!r) return r.status();
        auto v = read_channels(*c_, **r, channels);
        if (!v) return v.status();
        std::vector<Volts> out;
        for (double x : *v) out.emplace_back(x);
        return out;
    }

    Result<std::vector<Amps>> do_read_currents(std::span<const int> channels) override {
        auto r = need_register(m_, "current_read");
        if (!r) return r.status();
        auto v = read_channels(*c_, **r, channels);
        if (!v) return v.status();
        std::vector<Amps> out;
        for (double x : *v) out.emplace_back(x);
        return out;
    }

    Status do_set_outputs(std::span<const int> channels, bool on) override {
        auto r = need_register(m_, "output");
        if (!r) return r.status();
        std::vector<std::pair<int, double>> v;
        for (int c : channels) v.push_back({c, on ? 1.0 : 0.0});
        return write_channels(*c_, **r, v);
    }

    Status do_set_open_lead(int channel, bool open) override {
        auto r = need_register(m_, "open_lead");
        if (!r) return r.status();
        const std::pair<int, double> one[] = {{channel, open ? 1.0 : 0.0}};
        return write_channels(*c_, **r, one);
    }

};

// --- supply (Riden RD60xx) --------------------------------------------------------------------

class ModbusSupply : public ModbusBackend<Supply> {
public:
    ModbusSupply(InstrumentSpec spec, ModelFile m, std::unique_ptr<ModbusClient> bus)
        : ModbusBackend(std::move(m), std::move(bus), std::move(spec)) {}

private:
    Status do_safe() override { return do_set_output(false); }

    Status write_one(std::string_view name, double si) {
        auto r = need_register(m_, name);
        if (!r) return r.status();
        const std::pair<int, double> one[] = {{1, si}};
        return write_channels(*c_, **r, one);
    }
    Result<double> read_one(std::string_view name) {
        auto r = need_register(m_, name);
        if (!r) return r.status();
        const int one[] = {1};
        auto v = read_channels(*c_, **r, one);
        if (!v) return v.status();
        return v->front();
    }

    Status do_set_voltage(Volts v) override { return write_one("voltage_set", v.value); }
    Status do_set_current_limit(Amps a) override { return write_one("current_set", a.value); }
    Status do_set_output(bool on) override { return write_one("output", on ? 1.0 : 0.0); }
    Result<Volts> do_measure_voltage() override {
        auto v = read_one("voltage_read");
        if (!v) return v.status();
        return Volts(*v);
    }
    Result<Amps> do_measure_current() override {
        auto v = read_one("current_read");
        if (!v) return v.status();
        return Amps(*v);
    }

};

// --- relay board (Waveshare-style) --------------------------------------------------------------

class ModbusRelayBank : public ModbusBackend<RelayBank> {
public:
    ModbusRelayBank(InstrumentSpec spec, ModelFile m, std::unique_ptr<ModbusClient> bus)
        : ModbusBackend(std::move(m), std::move(bus), std::move(spec), relays_of(m), inputs_of(m)) {}

private:
    static int relays_of(const ModelFile& m) { return m.relays; }  // ints: intact after the move
    static int inputs_of(const ModelFile& m) { return m.inputs; }

    // Boards without a model-id register prove they answer by reading their relays.
    Result<Identity> do_identify() override {
        auto id = read_identity(*c_, m_, id_value_);
        if (!id) return id;
        if (m_.identity_register.empty()) {
            auto states = do_read();
            if (!states) return states.status();
        }
        return id;
    }

    // Rest position: every relay off.
    Status do_safe() override {
        auto r = need_register(m_, "relay");
        if (!r) return r.status();
        std::vector<std::pair<int, double>> v;
        for (int c = 1; c <= relay_count(); ++c) v.push_back({c, 0.0});
        return write_channels(*c_, **r, v);
    }

    // Relay k (0-based, as in the fixture's relay_map) is channel k+1 of the row.
    Status do_set(int relay, bool on) override {
        auto r = need_register(m_, "relay");
        if (!r) return r.status();
        const std::pair<int, double> one[] = {{relay + 1, on ? 1.0 : 0.0}};
        return write_channels(*c_, **r, one);
    }

    Result<std::vector<bool>> read_row(std::string_view name, int n) {
        auto r = need_register(m_, name);
        if (!r) return r.status();
        auto ch = all_channels(n);
        auto v = read_channels(*c_, **r, ch);
        if (!v) return v.status();
        std::vector<bool> out;
        for (double x : *v) out.push_back(x != 0.0);
        return out;
    }
    Result<std::vector<bool>> do_read() override { return read_row("relay", relay_count()); }
    Result<std::vector<bool>> do_read_inputs() override { return read_row("input", input_count()); }

};

template <class T>
Result<std::unique_ptr<Instrument>> make(const InstrumentSpec& spec, const ModelFile& model) {
    return make_backend<T>(spec, model, [&] { return ModbusClient::create(spec.connection, spec.timeout, spec.retries); });
}

}  // namespace

Result<std::unique_ptr<Instrument>> make_modbus_cell_emulator(const InstrumentSpec& spec, const ModelFile& model) {
    return make<ModbusCellEmulator>(spec, model);
}
Result<std::unique_ptr<Instrument>> make_modbus_supply(const InstrumentSpec& spec, const ModelFile& model) {
    return make<ModbusSupply>(spec, model);
}
Result<std::unique_ptr<Instrument>> make_modbus_relay_bank(const InstrumentSpec& spec, const ModelFile& model) {
    return make<ModbusRelayBank>(spec, model);
}

}  // namespace rig::drivers
