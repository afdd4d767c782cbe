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
// (voltage_set, measure_voltage, ...); docs/model-files.md lists the roles per kind. The
// backends are final and call safe() + disconnect() from their destructors.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
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

// --- shared by the backends (backends/common.cpp) ---

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
