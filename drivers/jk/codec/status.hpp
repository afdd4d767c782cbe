// The JK balancer's read-all contents in protocol units (integers as on the wire), shared
// by the RS485 V1.3 and CAN V5.0 codecs, the rig's DUT links (drivers/jk) and the DUT twin
// (sim/dut). Pure data: no I/O. protocols.md §1-§2 is the source of every field.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "rig/core/hex.hpp"
#include "rig/core/status.hpp"

namespace rig::jk {

inline constexpr int kMaxCells = 24;

// Command bytes (RS485 byte 3, CAN data byte 0). CAN echoes a write with command + 1.
enum class Command : std::uint8_t {
    read_all = 0xFF,
    set_cell_count = 0xF0,       // 2-24 cells
    set_trigger = 0xF2,          // 2-1000 mV
    set_max_current = 0xF4,      // 30-2000 mA (documents say 1000; real units report 2000)
    set_switch = 0xF6,           // 0/1
};

// "F4 (set max balance current)": for error messages.
std::string describe(Command c);
bool is_write(std::uint8_t byte);
// The range a balancer accepts for a write; out-of-range writes echo the old value.
struct ValueRange {
    int low;
    int high;
    bool contains(int v) const { return v >= low && v <= high; }
};
ValueRange accepted_range(Command write);

struct BalancerStatus {
    std::uint16_t total_10mV{0};
    std::uint16_t average_mV{0};
    std::uint8_t detected_cells{0};
    std::uint8_t highest_cell{0};       // 0-based index
    std::uint8_t lowest_cell{0};
    bool charging{false};               // balancing status: charging a cell
    bool discharging{false};            // balancing status: discharging a cell
    bool alarm_cell_count{false};
    bool alarm_lead_resistance{false};
    bool alarm_overvoltage{false};      // RS485 only (CAN V5.0 has no such bit)
    std::uint16_t max_delta_mV{0};
    std::uint16_t balance_current_mA{0};  // magnitude
    std::uint16_t trigger_mV{0};
    std::uint16_t max_balance_current_mA{0};
    bool balancing_switch{false};
    std::uint8_t configured_cells{0};
    std::array<std::uint16_t, kMaxCells> cells_mV{};  // 0 when unused
    double temperature_C{0.0};          // decoded with the codec's temperature scale

    bool operator==(const BalancerStatus&) const = default;
};

// Sum of the bytes modulo 256: the JK checksum.
std::uint8_t sum8(std::span<const std::uint8_t> bytes);

}  // namespace rig::jk
