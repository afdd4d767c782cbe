// The instrument factory: turns a fixture's instrument entry into a driver. The model
// file's protocol and the connection string's scheme pick the backend; nothing else does
// (no `if (sim)`). The instrument comes back created, not connected (see instrument.hpp).
#pragma once

#include <memory>

#include "drivers/dut_link.hpp"
#include "drivers/kinds.hpp"
#include "drivers/model.hpp"

namespace rig::drivers {

// Loads the model file, checks it matches the spec's kind, and builds the backend.
// Errors name the instrument id, model file and connection.
Result<std::shared_ptr<Instrument>> open_instrument(const InstrumentSpec& spec);

// The interlock probe for a socket's [sockets.interlock]: reads the relay board's digital
// input (input = "0") or the gpio instrument's line (input = "lid") and says closed when
// its level equals closed_level. Holds the instrument weakly; a failed read is an error
// (check_interlock() then refuses outputs).
InterlockProbe make_interlock_probe(std::shared_ptr<Instrument> instrument, const InterlockSpec& spec);

}  // namespace rig::drivers
