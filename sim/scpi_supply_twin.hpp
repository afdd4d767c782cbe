// B+ supply twin (models rigsim-supply, keysight-e36xx): a one-channel E36xx-style SCPI
// supply on TCP. Runs inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set supply.delay_ms=200
//
// Commands: VOLT <v>[,(@1)], CURR <a>[,(@1)], OUTP ON|OFF[,(@1)], VOLT? CURR? OUTP?,
// MEAS:VOLT? [(@1)], MEAS:CURR? [(@1)], *IDN? ("JK-RIG,PSU-120,<serial>,1.0"), *RST, *CLS,
// SYST:ERR?. Values outside the model's [ranges] (0-120 V, 0-2 A) give -222 and change nothing;
// another channel than 1 gives -224. It writes World::supply; MEAS:CURR? is what the DUTs
// draw through B+ (World::supply_current_A), MEAS:VOLT? the setpoint (+ noise) when on.
// At start the twin checks that every command template of the model file is one it serves.
// Settings: serial ("PSU120-0001"), readback_noise_mV (1.0), and the faults; stuck_output:
// setpoints acknowledged (VOLT? reads them back), the output does not follow.
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_scpi_supply_twin(const InstrumentSpec& spec, const drivers::ModelFile& model);

}  // namespace rig::sim
