// DutLink: the DUT's own data link (JK balancer RS485 protocol V1.3, or CAN protocol V5.0),
// decoded into physical units. One interface for both, so plans do not care which variant
// is in the socket.
#pragma once

#include <optional>
#include <vector>

#include "drivers/instrument.hpp"
#include "rig/core/units.hpp"

namespace rig::drivers {

// The balancer's read-all, decoded (protocols.md §1 / §2).
struct DutStatus {
    TimePoint received{};        // when the answer arrived (rig clock)
    Volts total;
    Volts average;
    int detected_cells{0};
    int highest_cell{0};         // 0-based index as sent
    int lowest_cell{0};
    bool charging{false};        // balancing status bit: charging a cell
    bool discharging{false};     // balancing status bit: discharging a cell
    bool alarm_cell_count{false};
    bool alarm_lead_resistance{false};
    bool alarm_overvoltage{false};
    Volts max_delta;
    Amps balance_current;        // magnitude
    Volts trigger_delta;
    Amps max_balance_current;
    bool balancing_switch{false};
    int configured_cells{0};
    std::vector<Volts> cells;    // 24 entries; 0 V when unused
    std::optional<Celsius> temperature;

    bool balancing() const { return charging || discharging; }
};

enum class DutSetting : unsigned char { cell_count, trigger_delta, max_balance_current, balancing_switch };
std::string_view to_string(DutSetting s);

class DutLink : public Instrument {
public:
    Result<DutStatus> read_all();
    // Writes a setting in protocol units (cells, mV, mA, 0/1) and returns the value the
    // DUT echoes as now stored (an out-of-range write echoes the old value).
    Result<int> write_setting(DutSetting s, int value);
    int address() const { return address_; }
    void set_address(int a) { address_ = a; }

protected:
    using Instrument::Instrument;
    int address_{1};

private:
    virtual Result<DutStatus> do_read_all() = 0;
    virtual Result<int> do_write_setting(DutSetting s, int value) = 0;
    Status do_safe() override { return Status::ok(); }  // a data link has no outputs
};

}  // namespace rig::drivers
