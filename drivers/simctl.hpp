// SimControl: the rig's side of the virtual bench's control port (simctl-tcp://...), a line
// protocol over TCP (docs/virtual-time.md). A VirtualClock advance hook calls advance_to()
// so the twins' time moves with the rig's before a sleep returns; tests and `rig run --sim`
// use set()/reset_unit() to change twin settings and units. A real bench has no control
// port; nothing in the sequencer depends on one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rig/core/clock.hpp"
#include "rig/core/connection.hpp"
#include "rig/core/status.hpp"

namespace rig::drivers {

class SimControl {
public:
    static Result<std::unique_ptr<SimControl>> connect(const Connection& c, Duration timeout);
    virtual ~SimControl() = default;

    // Virtual time: moves the bench's clock to t (no-op if t is not later); returns once
    // every twin has advanced, so the next reading sees the new time.
    virtual Status advance_to(TimePoint t) = 0;
    virtual Result<TimePoint> now() = 0;
    virtual Status set(const std::string& name, const std::string& value) = 0;
    virtual Status reset_unit(std::uint64_t seed, bool population,
                              const std::vector<std::pair<std::string, std::string>>& settings) = 0;
};

}  // namespace rig::drivers
