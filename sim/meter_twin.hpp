// Meter twin (models rigsim-meter, keysight-34461a): a 34461A-style SCPI DMM on TCP, wired
// in series with B+. Runs inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set meter.no_reply=true
//
// Commands: CONF:VOLT:DC [range], CONF:CURR:DC [range], SENS:VOLT:DC:NPLC n,
// SENS:CURR:DC:NPLC n (and their queries), READ?, MEAS:VOLT:DC? [range], MEAS:CURR:DC?
// [range], CONF?, *IDN?, *RST, *CLS, SYST:ERR?. DC volts = World::bplus_V(), DC current =
// World::supply_current_A(), plus seeded noise of noise_fraction (0.1) times the model's
// accuracy for the range (± pct_reading % of reading + pct_range % of range) at 10 NPLC,
// scaled by sqrt(10 / NPLC) (integration averages noise). NPLC per function, one of 0.02,
// 0.2, 1, 10, 100 (others go up to the next; above 100: -222). A reading (READ?, MEAS?)
// takes NPLC / line_frequency_Hz: in real time the reply leaves that much later, in virtual
// time at once (I/O takes no virtual time, docs/virtual-time.md). Ranges are the model's
// ([accuracy.*]); AUTO picks the smallest range that holds the value; beyond 120 % of a fixed
// range: +9.9E+37. *IDN?: the fixture model's identity (JK-RIG,DMM-6 or Keysight
// Technologies,34461A) or the `idn` setting verbatim.
// Settings: serial (DMM6-0001 / MY53000001), idn (""), noise_fraction (0.1),
// line_frequency_Hz (50), and the faults; stuck_output: every reading is the one the meter
// showed when the fault was set.
// Power-on (start, *RST, a new unit): DC volts, auto range, 10 NPLC, no errors.
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_meter_twin(const InstrumentSpec& spec, const drivers::ModelFile& model);

}  // namespace rig::sim
