// The JK-B2A24S twin: a JkModel (jk_model.hpp) served on the wire the fixture names, so
// the rig's production DUT link talks to it unmodified.
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml --set shutdown_V=1.95
//   rig-sim --fixture fixtures/virtual-can.toml --resolved /tmp/vb.toml
//
// Transports (by the model's protocol and the fixture's connection string):
//   jk-rs485  serial:pty[:9600:8N1]        RS485 V1.3 on a new pseudo-terminal; answers only
//                                          its address; replies paced at the line's baud
//                                          in real time (10 bits per byte), at once in
//                                          virtual time
//   jk-can    slcan:pty[:115200]?bitrate=  the USB-CAN adapter's side of SLCAN (C, S0-S8,
//                                          O, t-frames with z acks) plus the balancer behind it
//             socketcan:IFACE              a raw CAN socket on an existing interface (vcan0)
// docs/sim/dut.md lists the settings; set them as NAME=VALUE (faults too: no_reply,
// delay_ms, corrupt_pct, disconnect_after_s).
#pragma once

#include <memory>

#include "drivers/model.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/dut/jk_model.hpp"
#include "sim/twin.hpp"

namespace rig::sim::dut {

// The twin of one DUT socket; its model is reachable for tests and the virtual bench.
class JkTwin : public Twin {
public:
    virtual JkModel& model() = 0;
};

Result<std::unique_ptr<JkTwin>> make_jk_twin(const InstrumentSpec& spec, const drivers::ModelFile& model,
                                             const SocketSpec& socket, int socket_index);

}  // namespace rig::sim::dut
