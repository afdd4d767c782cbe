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

}  // namespace rig::drivers
