// RegisterMap: a Modbus device defined by register rows (drivers/model.hpp RegisterDef),
// so a twin's register map is data: the cell emulator and relay board take theirs from
// their model files, the Riden twin from a table written in code (an independent check of
// the drivers' riden-rd6018.toml). The twin binds each row name to a getter and a setter in
// SI units (bit rows: 0 / 1); RegisterMap does addresses, per-channel rows, scaling and the
// u16/i16/u32/i32 encodings (32-bit values: high word first), and answers the exceptions:
//   02 illegal data address  no row there, a write to a read-only row, half of a 32-bit value
//   03 illegal data value    the setter refused the value (out of the device's range)
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "drivers/model.hpp"
#include "sim/modbus.hpp"

namespace rig::sim {

class RegisterMap final : public ModbusDevice {
public:
    using Getter = std::function<double(int channel)>;                        // channel 1..n; 0 for single rows
    using Setter = std::function<ModbusException(int channel, double value)>;  // value in SI units
    using SpecialCoil = std::function<ModbusException(int address, std::uint16_t value)>;

    explicit RegisterMap(std::vector<drivers::RegisterDef> rows);

    // Binds a row by name; an unknown name or a writable row without a setter is an error.
    Status bind(const std::string& name, Getter get, Setter set = {});
    // Every row bound? (The twin serves every row of its model, or says which it does not.)
    Status check_bound() const;
    const drivers::RegisterDef* row(const std::string& name) const;
    // FC05 values other than FF00/0000, and writes to coils no row covers (Waveshare 0x00FF).
    void on_special_coil(SpecialCoil cb) { special_ = std::move(cb); }
    void on_any_request(std::function<void()> cb) { on_request_ = std::move(cb); }

    ModbusException read_bits(drivers::RegisterTable table, int address, int count, std::vector<bool>& out) override;
    ModbusException read_words(drivers::RegisterTable table, int address, int count,
                               std::vector<std::uint16_t>& out) override;
    ModbusException write_coils(int address, const std::vector<bool>& values) override;
    ModbusException write_holding(int address, const std::vector<std::uint16_t>& values) override;
    ModbusException write_coil_special(int address, std::uint16_t value) override;
    void on_request() override {
        if (on_request_) on_request_();
    }

private:
    struct Slot {
        int row;
        int channel;  // 0 for single rows
        int word;     // 0 = first (high) word
    };
    const Slot* find(drivers::RegisterTable table, int address) const;
    std::uint32_t raw_of(int row, int channel) const;

    std::vector<drivers::RegisterDef> rows_;
    std::vector<Getter> get_;
    std::vector<Setter> set_;
    std::map<std::pair<int, int>, Slot> slots_;  // (table, address)
    SpecialCoil special_;
    std::function<void()> on_request_;
};

}  // namespace rig::sim
