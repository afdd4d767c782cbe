// The bench around a JK twin in the twin and link tests: one 24-cell socket "A" (B1..B24
// on emulator channels 1..24) and a World with those channels on and B+ at 48 V.
#pragma once

#include "rig/fixture/fixture.hpp"
#include "sim/world.hpp"

namespace rig::testing {

inline SocketSpec socket24(int dut_address = 1) {
    SocketSpec s;
    s.name = "A";
    s.cell_count = 24;
    for (int k = 1; k <= 24; ++k) s.wiring.push_back(k);
    s.dut_address = dut_address;
    return s;
}

// Channel k (0-based) at base_V + k * step_V, outputs on; B+ at 48 V, switched as asked.
inline void power_socket(sim::World& w, double base_V, double step_V = 0.0, bool bplus_on = true) {
    w.channels.resize(24);
    for (int k = 0; k < 24; ++k) {
        w.channels[static_cast<std::size_t>(k)].output = true;
        w.channels[static_cast<std::size_t>(k)].set_V = base_V + step_V * k;
    }
    w.supply.set_V = 48.0;
    w.supply.output = bplus_on;
    w.dut_supply_A.resize(1);
}

}  // namespace rig::testing
