// The backends behind the instrument kinds, and what they share. The factory
// (drivers/factory.cpp) picks one by model protocol + kind + connection scheme:
//
//   protocol  kind           scheme                    backend (file)
//   modbus    cell_emulator  modbus-tcp / modbus-rtu   ModbusCellEmulator (modbus_backends.cpp)
//   modbus    supply         modbus-tcp / modbus-rtu   ModbusSupply       (Riden RD60xx)
//   modbus    relay_bank     modbus-tcp / modbus-rtu   ModbusRelayBank    (Waveshare)
//   scpi      supply         scpi-tcp / scpi-serial    ScpiSupply         (scpi_backends.cpp)
//   scpi      meter          scpi-tcp / scpi-serial    ScpiMeter
//   ascii     cell_emulator  tcp / serial              AsciiCellEmulator  (NGI N83624)
//
// Every backend reads its registers or command templates from the model file by role name
// (voltage_set, measure_voltage, ...); docs/model-files.md lists the roles per kind. Each
// backend is a Backend<Kind, Client> that the factory wraps in Closing<>, which calls
// safe() + disconnect() before anything of the backend is destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "drivers/kinds.hpp"
#include "drivers/model.hpp"
#include "drivers/transport/modbus_client.hpp"
#include "drivers/transport/scpi_client.hpp"

namespace rig::drivers {

Result<std::unique_ptr<Instrument>> make_modbus_cell_emulator(const InstrumentSpec& spec, const ModelFile& model);
Result<std::unique_ptr<Instrument>> make_modbus_supply(const InstrumentSpec& spec, const ModelFile& model);
Result<std::unique_ptr<Instrument>> make_modbus_relay_bank(const InstrumentSpec& spec, const ModelFile& model);
Result<std::unique_ptr<Instrument>> make_scpi_supply(const InstrumentSpec& spec, const ModelFile& model);
Result<std::unique_ptr<Instrument>> make_scpi_meter(const InstrumentSpec& spec, const ModelFile& model);
Result<std::unique_ptr<Instrument>> make_ascii_cell_emulator(const InstrumentSpec& spec, const ModelFile& model);

// --- shared by the backends ---

// An instrument kind (Supply, Meter, ...) speaking one model's map or command set over one
// client it owns: the model, the client, open and close. Identity stays with the protocol.
template <class Kind, class Client>
class Backend : public Kind {
protected:
    template <class... KindArgs>
    Backend(ModelFile model, std::unique_ptr<Client> client, KindArgs&&... kind_args)
        : Kind(std::forward<KindArgs>(kind_args)...), m_(std::move(model)), c_(std::move(client)) {}

    ModelFile m_;
    std::unique_ptr<Client> c_;

private:
    Status do_open() override { return c_->open(); }
    void do_close() override { c_->close(); }
};

// The most-derived class of every backend. Its destructor runs first, while the backend's
// do_safe() still exists: an instrument dropped for any reason is left safe and closed.
template <class Impl>
class Closing final : public Impl {
public:
    using Impl::Impl;
    ~Closing() override {
        (void)this->safe();
        this->disconnect();
    }
};

// Creates the client from the spec's connection, then the backend around it.
template <class Impl, class MakeClient>
Result<std::unique_ptr<Instrument>> make_backend(const InstrumentSpec& spec, const ModelFile& model,
                                                 MakeClient&& make_client) {
    auto client = make_client();
    if (!client) return client.status();
    return std::unique_ptr<Instrument>(new Closing<Impl>(spec, model, std::move(*client)));
}

// --- helpers (backends/common.cpp) ---

// Raw words of a register row for an SI value: raw = round(si / scale), range-checked for
// the row's type (u32/i32: high word first, the Modbus convention).
Result<std::vector<std::uint16_t>> encode_register(const RegisterDef& r, double si);
// SI value from the row's words (words.size() == r.words()).
double decode_register(const RegisterDef& r, std::span<const std::uint16_t> words);
// The row named `name`, or not_supported naming the model file.
Result<const RegisterDef*> need_register(const ModelFile& m, std::string_view name);
Result<const std::string*> need_command(const ModelFile& m, std::string_view role);

// Reads row `r` for each of `channels` in as few requests as the map allows: one request
// when the channels' registers fit in one Modbus read (125 words / 2000 bits).
Result<std::vector<double>> read_channels(ModbusClient& bus, const RegisterDef& r, std::span<const int> channels);
// Writes row `r` for (channel, SI value) pairs, consecutive channels of a contiguous map in
// one FC16 / FC15 request.
Status write_channels(ModbusClient& bus, const RegisterDef& r, std::span<const std::pair<int, double>> values);

// "*IDN?" reply "MFR,MODEL,SERIAL,FIRMWARE" into an Identity (missing fields stay empty).
Identity parse_idn(const std::string& reply);
// Text identity: the reply must contain the model's match string.
Status check_identity_text(const ModelFile& m, const Identity& id);
// Numbers in commands: shortest text that round-trips after rounding to 1 µ-unit ("3.3").
std::string command_number(double v);
// "1,2,3" for a channel list.
std::string channel_list(std::span<const int> channels);

}  // namespace rig::drivers
