// The seam between the virtual bench (sim/) and the JK balancer twin (sim/dut/): rig-sim
// asks for a twin of each dut_link instrument of a fixture and gets one that serves the
// model's protocol (jk-rs485 on a pty, jk-can over SLCAN on a pty or SocketCAN).
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/core/status.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

// `socket` says which emulator channels are the DUT's pins (wiring) and its address;
// `socket_index` is its index in World::dut_supply_A.
Result<std::unique_ptr<Twin>> make_dut_twin(const InstrumentSpec& spec,
                                            const drivers::ModelFile& model,
                                            const SocketSpec& socket, int socket_index);

}  // namespace rig::sim
