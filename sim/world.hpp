// World: the physical bench the twins share, in SI units: the cell emulator's channels,
// the B+ supply, the relays and digital inputs, and the loads the DUT twins put on them.
// Instrument twins write setpoints into it and read measurements out of it; DUT twins read
// the voltages on their pins and write the currents they draw. Only the reactor thread
// touches it.
//
// Sign convention for channel current: + the emulator sources current into the DUT's pin
// (the DUT discharges that cell), - the emulator sinks it (the DUT charges that cell).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace rig::sim {

struct EmulatorChannel {
    double set_V{0.0};
    bool output{false};
    bool open_lead{false};      // lead relay open: the DUT's pin is disconnected
    double load_A{0.0};         // what the DUT draws from this channel (written by DUT twins)
};

struct SupplyState {
    double set_V{0.0};
    double limit_A{0.5};
    bool output{false};
};

struct World {
    std::vector<EmulatorChannel> channels;  // index = channel - 1
    SupplyState supply;
    std::vector<bool> relays;               // relay board coils
    std::vector<bool> inputs;               // relay board digital inputs (interlock, photo-sensor)
    int bplus_relay{-1};                    // relay that switches B+ to the DUT; -1: always on
    std::vector<double> dut_supply_A;       // B+ current drawn by each DUT twin (index = socket)

    // Voltage the DUT sees between B(pin-1) and B(pin): the channel's setpoint when its
    // output is on and its lead closed, else 0 (a disconnected cell).
    double pin_voltage(int channel) const;
    // B+ as the DUT sees it: supply setpoint when output on and the B+ relay closed.
    double bplus_V() const;
    // Current the supply delivers (sum of the DUT twins' draw), 0 when B+ is off.
    double supply_current_A() const;
    // Current the emulator channel delivers (+ source / - sink): the DUT's load on it.
    double channel_current_A(int channel) const;
};

}  // namespace rig::sim
