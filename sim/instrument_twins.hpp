// The instrument twins of the virtual bench, one factory per kind of instrument. Each twin
// serves its model's real protocol on the connection the fixture gives it (port 0 = a free
// port, `pty` = a new pseudo-terminal) and supports the faults of twin.hpp as settings
// (docs/sim/<twin>.md lists every setting with its default). They all run inside
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml [--set ID.NAME=VALUE]
//
// and the per-twin headers below say which models each serves.
#pragma once

#include "sim/cell_emulator_twin.hpp"
#include "sim/meter_twin.hpp"
#include "sim/relay_twin.hpp"
#include "sim/riden_twin.hpp"
#include "sim/scpi_supply_twin.hpp"
