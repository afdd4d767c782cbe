// The seam between the driver factory and the JK balancer links: makes the DutLink for a
// jk-rs485 model (serial port) or a jk-can model (SLCAN adapter or SocketCAN interface),
// chosen by the connection string.
#pragma once

#include <memory>

#include "drivers/dut_link.hpp"
#include "drivers/model.hpp"

namespace rig::drivers {

Result<std::unique_ptr<DutLink>> make_jk_link(const InstrumentSpec& spec, const ModelFile& model);

}  // namespace rig::drivers
