// Relay board twin (models rigsim-relay8d, waveshare-relay-8d): a Waveshare-compatible
// Modbus RTU relay board with digital inputs on a pseudo-terminal, register map from the
// model file, replies paced at the line's baud rate in real time. Runs inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set relays.input.0=false
//
// Coils 0-7 = relays (FC05 FF00 on / 0000 off / 5500 toggle; coil 0x00FF = all relays;
// FC0F writes several; FC01 reads the relay states as they are); discrete inputs 0-7 (FC02)
// read World::inputs. Relays write World::relays (relay_map "bplus" switches B+).
// Settings: input.N (true|false; by default the fixture's interlock input sits at its
// closed level: lid closed), firmware (1.00, where the model has a firmware row), faults.
// stuck_output: writes are echoed as accepted, the relays stay as they were when the fault
// was set (FC01 shows it); clearing it moves them to the last command.
// Power-on (start, a new unit): every relay open; inputs at their default levels.
#pragma once

#include <memory>
#include <vector>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

// `default_inputs`: input levels after reset (index = input number), e.g. the interlock closed.
std::unique_ptr<Twin> make_relay_twin(const InstrumentSpec& spec, const drivers::ModelFile& model,
                                      std::vector<bool> default_inputs);

}  // namespace rig::sim
