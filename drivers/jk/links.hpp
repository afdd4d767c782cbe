// The JK balancer's DUT links (private to drivers/jk): RS485 V1.3 over a SerialPort, CAN
// V5.0 over a CanBus (SLCAN or SocketCAN). make_jk_link() (link.hpp) picks one by the
// model's protocol and the connection's scheme; the sequencer only sees DutLink.
//
// Lifecycle: created (nothing open) -> connect(): the port/bus is opened and one read-all
// is tried as a probe, so the identity record can say what answered. The JK protocols have
// no identity query: Identity carries the model file's maker and name, and `raw` says what
// the probe saw (a DUT that is not powered yet is not an error at connect).
//
// Two timeouts (docs/virtual-time.md):
//   wire      how long this link waits, in real time, for bytes on this wire:
//             options.reply_timeout_ms, else the fixture's `timeout`, else the model quirk
//             reply_timeout_ms, else 1000 ms.
//   probe     how long probe() (one read-all that expects silence as often as an answer:
//             proving a shutdown, identity at connect) listens: options.probe_timeout_ms,
//             else the wire timeout. A virtual bench that answers unpaced sets it short and
//             the wire timeout longer, so proving silence is quick while a read that must
//             be answered still rides out a loaded machine's scheduling stalls.
//   protocol  what one unanswered request costs on a real DUT line ("the balancer answers
//             within 1 s; the host waits for the answer or 1 s"): the model quirk
//             reply_timeout_ms, else 1000 ms. The sequencer charges it to a virtual clock.
// A request waits up to the wire timeout; after a failed attempt (timeout or bad reply)
// the next request waits out the rest of it, so a late answer cannot be taken for the
// next one; read_all() and write_setting() try 1 + spec.retries times, probe() once.
//
// JkLink holds what both links share (identity at connect, attempts, error context and the
// one log line per failed transaction); a backend only makes one attempt. Errors name
// device and command byte; DutLink adds the instrument id.
#pragma once

#include <memory>
#include <string>

#include "drivers/dut_link.hpp"
#include "drivers/jk/codec/status.hpp"
#include "drivers/model.hpp"

namespace rig::drivers::jklink {

// Settings shared by both links, from the spec's options, the fixture and the model's quirks.
struct LinkTiming {
    Duration reply_timeout;      // wire
    Duration probe_timeout;      // probe
    Duration protocol_timeout;   // protocol
    int retries{2};
    double temperature_scale{0.1};
};
Result<LinkTiming> link_timing(const InstrumentSpec& spec, const ModelFile& model, double default_scale);

std::unique_ptr<DutLink> make_rs485_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t);
std::unique_ptr<DutLink> make_can_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t);

// Protocol units to physical units.
DutStatus to_dut_status(const jk::BalancerStatus& s, TimePoint received);
jk::Command command_of(DutSetting s);

class JkLink : public DutLink {
protected:
    // `protocol`: "JK RS485 V1.3" / "JK CAN V5.0", for the identity record.
    JkLink(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t, std::string protocol)
        : DutLink(spec), model_(model), timing_(t), protocol_(std::move(protocol)) {}
    const ModelFile& model() const { return model_; }
    const LinkTiming& timing() const { return timing_; }

private:
    // One request and its answer within `timeout` (the backend flushes stale input first).
    virtual Result<jk::BalancerStatus> read_once(Duration timeout) = 0;
    virtual Result<int> write_once(jk::Command cmd, int value) = 0;
    // Whether `value` fits the protocol's frame for `cmd` (checked once, before any attempt).
    virtual Status check_value(jk::Command cmd, int value) const = 0;
    // Before a retry (RS485: wait out the rest of the reply timeout).
    virtual void before_retry() {}
    // "command FF (read all)" / "id 001 command FF (read all)"; and the wire, for the log.
    virtual std::string where_command(jk::Command cmd) const = 0;
    virtual std::string wire() const = 0;

    Result<Identity> do_identify() final;
    Result<DutStatus> do_read_all() final;
    Result<DutStatus> do_probe() final;
    Result<int> do_write_setting(DutSetting s, int value) final;
    Duration do_protocol_timeout() const final { return timing_.protocol_timeout; }

    Result<DutStatus> read_with(int attempts, Duration timeout);
    template <class Fn>
    auto attempt(jk::Command cmd, int attempts, int* made, Fn fn) -> decltype(fn());

    ModelFile model_;
    LinkTiming timing_;
    std::string protocol_;
};

}  // namespace rig::drivers::jklink
