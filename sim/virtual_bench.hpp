// VirtualBench: the whole virtual bench of one fixture, running in a thread of the calling
// process (rig run --sim, tests) or as the rig-sim program. It starts a twin per instrument
// of the fixture on one reactor, binds free ports / creates pseudo-terminals, writes the
// resolved fixture, and serves the control port (virtual time and settings; see
// docs/virtual-time.md). The rig then talks to it only through the resolved fixture's
// connection strings, exactly as to a real bench.
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml [--clock virtual]
//           [--seed N] [--population] [--set NAME=VALUE]...
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rig/core/clock.hpp"
#include "rig/core/status.hpp"

namespace rig::sim {

struct VirtualBenchOptions {
    std::string fixture_path;
    std::string resolved_path;  // where to write the resolved fixture ("" = a temp file)
    bool virtual_time{false};
    TimePoint epoch{};          // start of virtual time (ignored in real time)
    std::uint64_t seed{1};
    bool population{false};     // draw the DUT's parameters from the good-unit distributions
    // NAME=VALUE as on the command line: DUT settings ("shutdown_V", "cell_offset_mV.9"),
    // instrument faults ("meter.no_reply"), per-instrument settings ("ROLE.NAME").
    std::vector<std::pair<std::string, std::string>> settings;
};

class VirtualBench {
public:
    static Result<std::unique_ptr<VirtualBench>> start(const VirtualBenchOptions& options);
    virtual ~VirtualBench() = default;  // stops the reactor and closes every transport

    virtual const std::string& resolved_fixture_path() const = 0;
    // Applies a setting while running (same names as options.settings).
    virtual Status set(const std::string& name, const std::string& value) = 0;
    // A new unit in the socket: every instrument in its power-on state with its faults
    // cleared, every DUT setting back to default (or drawn from the population with `seed`),
    // then `settings` applied.
    virtual Status reset_unit(std::uint64_t seed, bool population,
                              const std::vector<std::pair<std::string, std::string>>& settings) = 0;
    // Human-readable list of what is served where (printed by rig-sim).
    virtual std::string describe() const = 0;
    virtual void stop() = 0;
};

}  // namespace rig::sim
