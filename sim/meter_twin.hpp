// Meter twin (models rigsim-meter, keysight-34461a): a 34461A-style SCPI DMM on TCP, wired
// in series with B+. Runs inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set meter.no_reply=true
//
// Commands: CONF:VOLT:DC [range], CONF:CURR:DC [range], SENS:VOLT:DC:NPLC n,
// SENS:CURR:DC:NPLC n, READ?, MEAS:VOLT:DC? [range], MEAS:CURR:DC? [range], CONF?, *IDN?
// ("JK-RIG,DMM-6,<serial>,1.0"), *RST, *CLS, SYST:ERR?. DC volts = World::bplus_V(), DC
// current = World::supply_current_A(), plus seeded noise of noise_fraction (0.1) times the
// model's accuracy for the range (± pct_reading % of reading + pct_range % of range), so
// readings stay well inside the accuracy table. Ranges are the model's ([accuracy.*]); AUTO
// picks the smallest range that holds the value; beyond 120 % of a fixed range: +9.9E+37.
// Settings: serial ("DMM6-0001"), noise_fraction (0.1), and the faults; stuck_output: the
// reading freezes at its last value.
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_meter_twin(const InstrumentSpec& spec, const drivers::ModelFile& model);

}  // namespace rig::sim
