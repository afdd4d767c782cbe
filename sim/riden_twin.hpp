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
// (0 CV, 1 CC), 18 output (0/1). Registers 4-7, 12 and 15 read 0 so block reads work.
// It writes World::supply; I out is what the DUTs draw through B+ (World::supply_current_A).
// Settings: serial (18001), firmware (1.28), input_V (62.0), and the faults.
#pragma once

#include <memory>

#include "rig/fixture/fixture.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

std::unique_ptr<Twin> make_riden_twin(const InstrumentSpec& spec);

}  // namespace rig::sim
