// Cell emulator twin (models rigsim-ce24, rigsim-ce48): a two-quadrant multi-channel cell
// emulator over Modbus TCP whose register map is the model file (drivers/models/<model>.toml):
// every row of the file is served, and nothing else. Runs inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set emu.readback_noise_mV=0.1
//
// voltage_set (holding)  setpoint per channel, refused (exception 03) outside the model's range
// voltage_read (input)   setpoint + seeded noise (readback_noise_mV, 1 sigma); 0 with output off
// current_read (input)   World::channel_current_A: what the DUT draws (+ source / - sink)
// output, open_lead      coils per channel
// model_id, serial, firmware  identity (model_id = the model's [identity] value, 0xCE24)
// watchdog_ms (holding)  communication watchdog: when non-zero and no request arrives for
//                        that long (sim time), every output turns off
// Settings: readback_noise_mV (0.05), serial (24001), firmware (1.00), and the faults.
// stuck_output: every channel's voltage, output and lead relay stay as they were when the
// fault was set (writes and the watchdog are acknowledged; holding registers and coils read
// back the command, voltage_read and current_read show the frozen channels).
// Power-on (start, a new unit): 0 V, outputs off, leads closed; the watchdog is off at
// start and a new unit keeps what the rig armed (it is the bench's setting).
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_cell_emulator_twin(const InstrumentSpec& spec, const drivers::ModelFile& model);

}  // namespace rig::sim
