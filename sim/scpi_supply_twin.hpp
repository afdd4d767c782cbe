// B+ supply twin (models rigsim-supply, keysight-e36xx): an E36xx-style SCPI supply on TCP
// with the model's channels (rigsim-supply 1, keysight-e36xx 3). Runs inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set supply.delay_ms=200
//
// Commands: VOLT <v>[,(@list)], CURR <a>[,(@list)], OUTP ON|OFF[,(@list)], VOLT? CURR? OUTP?,
// MEAS:VOLT? [(@ch)], MEAS:CURR? [(@ch)], *IDN?, *RST, *CLS, SYST:ERR?. No channel list =
// channel 1. Values outside the model's [ranges] give -222 and change nothing; a channel the
// model does not have gives -224. The channel of the fixture's options.channel (default 1)
// drives World::supply (B+); MEAS:CURR? there is what the DUTs draw (World::supply_current_A),
// MEAS:VOLT? the output (+ noise) when on. Other channels have no load.
// *IDN?: "<maker>,<model>,<serial>,<firmware>" of the fixture's model (JK-RIG,PSU-120 or
// Keysight Technologies,E36312A), or the `idn` setting verbatim, so the drivers' identity
// check accepts the twin as the model the fixture names and refuses any other.
// At start the twin checks that every command template of the model file is one it serves.
// Settings: serial (PSU120-0001 / MY59000001), idn (""), readback_noise_mV (1.0), and the
// faults; stuck_output: B+ stays as it was when set (VOLT?/OUTP? read back the command).
// Power-on (start, *RST, a new unit): 0 V, 0.5 A (or the model's maximum), outputs off, no errors.
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_scpi_supply_twin(const InstrumentSpec& spec, const drivers::ModelFile& model);

}  // namespace rig::sim
