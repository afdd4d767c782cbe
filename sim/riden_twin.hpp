// Riden RD6018 twin: the bench supply over Modbus RTU on a pseudo-terminal (115200 8N1,
// slave from the connection's ?slave=, default 1), with the REAL register map of
// protocols.md §4 written here in code, on purpose not read from riden-rd6018.toml, so the
// drivers' model file is tested against an independent definition. Runs inside
//
//   rig-sim --fixture fixtures/virtual-riden.toml --resolved /tmp/vb.toml
//
// Holding registers (FC03 read, FC06/FC10 write): 0 model id (60181), 1-2 serial (hi, lo),
// 3 firmware (/100), 8 V set (/100 V, 0-60 V), 9 I set (/100 A, 0-18 A), 10 V out, 11 I out
// (/100 A), 13 P out (/100 W), 14 V in (/100 V), 16 protection (0, 1 OVP, 2 OCP), 17 CV/CC
// (0 CV, 1 CC), 18 output (0/1), and memory M0, the working preset: 80 V set, 81 I set (the
// same values as 8 and 9), 82 OVP (/100 V, 0-62 V), 83 OCP (/100 A, 0-18.5 A). Registers
// 4-7, 12 and 15 read 0 so block reads work.
// Protection: when the output voltage exceeds OVP or the output current exceeds OCP, the
// output switches off and register 16 reads 1 (OVP) or 2 (OCP) until the output is switched
// on again (register 18 = 1), which clears it (and trips again at once if still exceeded).
// It writes World::supply; I out is what the DUTs draw through B+ (World::supply_current_A).
// Settings: serial (18001), firmware (1.28), input_V (62.0), and the faults; stuck_output
// freezes the World's B+ (V, I limit, output) at its value when set: registers 8/9/18 read
// back the command, 10/11/13 show the frozen output.
// Power-on (start, a new unit): 0 V, 0.5 A, output off, OVP 62 V, OCP 18.5 A, no trip.
#pragma once

#include <memory>

#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_riden_twin(const InstrumentSpec& spec);

}  // namespace rig::sim
