// The JK balancer's DUT links (private to drivers/jk): RS485 V1.3 over a SerialPort, CAN
// V5.0 over a CanBus (SLCAN or SocketCAN). make_jk_link() (link.hpp) picks one by the
// model's protocol and the connection's scheme; the sequencer only sees DutLink.
//
// Lifecycle: created (nothing open) -> connect(): the port/bus is opened and one read-all
// is tried as a probe, so the identity record can say what answered. The JK protocols have
// no identity query: Identity carries the model file's maker and name, and `raw` says what
// the probe saw (a DUT that is not powered yet is not an error at connect).
//
// Timing: every request waits up to the reply timeout (options.reply_timeout_ms, else the
// model quirk reply_timeout_ms, default 1000 ms: "the balancer answers within 1 s"), and
// after a failed attempt the next request waits out the rest of that second, then retries
// up to spec.retries times. Errors name device and command byte; DutLink adds the id.
#pragma once

#include <memory>

#include "drivers/dut_link.hpp"
#include "drivers/jk/codec/status.hpp"
#include "drivers/model.hpp"

namespace rig::drivers::jklink {

struct LinkTiming;
std::unique_ptr<DutLink> make_rs485_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t);
std::unique_ptr<DutLink> make_can_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t);

// Protocol units to physical units.
DutStatus to_dut_status(const jk::BalancerStatus& s, TimePoint received);
jk::Command command_of(DutSetting s);

// Settings shared by both links, from the spec's options and the model's quirks.
struct LinkTiming {
    Duration reply_timeout;
    int retries{2};
    double temperature_scale{0.1};
};
Result<LinkTiming> link_timing(const InstrumentSpec& spec, const ModelFile& model, double default_scale);

}  // namespace rig::drivers::jklink
