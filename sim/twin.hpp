// Twin: one simulated device of the virtual bench, serving its real protocol on a real
// transport (TCP on loopback, a pseudo-terminal, a CAN bus). rig-sim makes one per
// instrument of a fixture, starts it on the reactor, and writes the address it serves into
// the resolved fixture. Settings and faults are named, typed, documented knobs, set with
// `rig-sim --set NAME=VALUE` or over the control port while running.
//
// Instrument faults every twin supports (ROLE.FAULT=VALUE on the command line):
//   no_reply (bool)            requests are read and never answered
//   delay_ms (number)          every reply is held back this long
//   corrupt_pct (0-100)        this share of replies get a bad CRC/checksum or a garbage line
//   disconnect_after_s (number) the connection (or pty) is dropped this long after it opened
//   stuck_output (bool)        outputs stay as they were when the fault was set; setpoints are
//                              acknowledged and read back (the DUT twin has no such fault)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rig/core/status.hpp"
#include "sim/reactor.hpp"
#include "sim/world.hpp"

namespace rig::sim {

struct SettingInfo {
    std::string name;         // "balance_current_A", "cell_offset_mV" (per channel: NAME.CH)
    std::string default_value;
    std::string unit;
    std::string help;
};

class Twin {
public:
    virtual ~Twin() = default;
    // Binds its transport (free port / new pty / CAN interface) and registers with the reactor.
    virtual Status start(Reactor& reactor, World& world) = 0;
    // The connection string the rig should use, e.g. "modbus-tcp://127.0.0.1:40123".
    virtual std::string resolved_connection() const = 0;
    // Sets a setting or fault by name ("delay_ms", "cell_offset_mV.17"); unknown names and
    // bad values are errors that say what is known.
    virtual Status set(const std::string& name, const std::string& value) = 0;
    virtual std::vector<SettingInfo> settings() const = 0;
    // A new unit: every setting back to its default (or, with `population`, the DUT's
    // parameters drawn from the good-unit distributions with `seed`); faults cleared; an
    // instrument back in its power-on state (setpoints, outputs, relays, error queue).
    virtual Status reset(std::uint64_t seed, bool population) = 0;
    virtual void stop() {}
};

}  // namespace rig::sim
