#include "drivers/transport/can_bus.hpp"

namespace rig::drivers {

Result<std::unique_ptr<CanBus>> open_can_bus(const Connection& c) {
    if (c.scheme == "slcan") return open_slcan_bus(c);
    if (c.scheme == "socketcan") return open_socketcan_bus(c);
    return Status(Code::invalid_argument,
                  "connection \"" + c.str() + "\" is not a CAN bus (expected slcan:... or socketcan:...)");
}

}  // namespace rig::drivers
