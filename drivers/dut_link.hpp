// DutLink: the DUT's own data link (JK balancer RS485 protocol V1.3, or CAN protocol V5.0),
// decoded into physical units. One interface for both, so plans do not care which variant
// is in the socket.
#pragma once

#include <algorithm>
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
    int attempts{1};             // requests this answer took (each unanswered one cost a reply time)

    bool balancing() const { return charging || discharging; }
};

enum class DutSetting : unsigned char { cell_count, trigger_delta, max_balance_current, balancing_switch };
std::string_view to_string(DutSetting s);

class DutLink : public Instrument {
public:
    Result<DutStatus> read_all();
    // One read-all request and no retry: for proving silence (a DUT that has shut down).
    // Retries are for noisy lines; one unanswered request is all silence needs.
    Result<DutStatus> probe();
    // What one unanswered request costs on a real DUT line by its protocol, whatever this
    // wire waits (a virtual clock is charged this: docs/virtual-time.md).
    Duration protocol_timeout() const { return do_protocol_timeout(); }
    // Requests read_all() makes before it gives up.
    int read_attempts() const { return std::max(0, spec().retries) + 1; }
    // Writes a setting in protocol units (cells, mV, mA, 0/1) and returns the value the
    // DUT echoes as now stored (an out-of-range write echoes the old value).
    Result<int> write_setting(DutSetting s, int value);
    int address() const { return address_; }
    void set_address(int a) { address_ = a; }

protected:
    using Instrument::Instrument;
    int address_{1};

private:
    Result<DutStatus> read(std::string_view what, bool once);
    virtual Result<DutStatus> do_read_all() = 0;
    virtual Result<int> do_write_setting(DutSetting s, int value) = 0;
    virtual Result<DutStatus> do_probe() { return do_read_all(); }
    virtual Duration do_protocol_timeout() const { return spec().timeout; }
    Status do_safe() override { return Status::ok(); }  // a data link has no outputs
};

}  // namespace rig::drivers
