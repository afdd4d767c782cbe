// The JK RS485 V1.3 DUT link (links.hpp): 7-byte request, 74-byte answer, over a SerialPort.
// One attempt per call; JkLink (link.cpp) does the attempts and the error context.
#include <chrono>

#include <fmt/format.h>

#include "drivers/jk/codec/rs485.hpp"
#include "drivers/jk/links.hpp"
#include "drivers/transport/serial_port.hpp"

namespace rig::drivers::jklink {
namespace {

using std::chrono::steady_clock;
namespace rs485 = jk::rs485;

class Rs485Link final : public JkLink {
public:
    Rs485Link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t)
        : JkLink(spec, model, t, "JK RS485 V1.3") {}

private:
    Status do_open() override {
        auto port = SerialPort::open(spec().connection);
        if (!port) return port.status();
        port_ = std::move(*port);
        return Status::ok();
    }

    void do_close() override { port_.reset(); }

    Result<jk::BalancerStatus> read_once(Duration timeout) override {
        auto b = exchange({static_cast<std::uint8_t>(address()), 0xFF, 0}, timeout);
        if (!b) return b.status();
        auto d = rs485::decode_read_all(*b, timing().temperature_scale);
        if (!d) return d.status();
        if (d->address != address())
            return Status(Code::bad_reply,
                          fmt::format("answer from address {} (asked {}): {}", d->address, address(), hex_bytes(*b)));
        return d->status;
    }

    Status check_value(jk::Command, int value) const override {
        if (value < 0 || value > 0xFFFF)
            return Status(Code::invalid_argument, fmt::format("value {} does not fit the protocol's 16 bits", value));
        return Status::ok();
    }

    Result<int> write_once(jk::Command command, int value) override {
        auto cmd = static_cast<std::uint8_t>(command);
        auto b = exchange({static_cast<std::uint8_t>(address()), cmd, static_cast<std::uint16_t>(value)},
                          timing().reply_timeout);
        if (!b) return b.status();
        auto d = rs485::decode_set_reply(*b);
        if (!d) return d.status();
        if (d->command != cmd || d->address != address())
            return Status(Code::bad_reply, fmt::format("answer to {:02X} from address {} (asked {:02X} of {}): {}",
                                                       d->command, d->address, cmd, address(), hex_bytes(*b)));
        return static_cast<int>(d->value);
    }

    std::string where_command(jk::Command cmd) const override { return "command " + jk::describe(cmd); }
    std::string wire() const override { return spec().connection_text; }

    // One request and its raw 74-byte answer.
    Result<std::vector<std::uint8_t>> exchange(const rs485::Request& req, Duration timeout) {
        if (!port_) return Status(Code::disconnected, "port not open");
        port_->flush_input();
        auto bytes = rs485::encode_request(req);
        last_request_ = steady_clock::now();
        RIG_TRY(port_->write_all(bytes, timeout));
        return port_->read_exact(rs485::kResponseSize, timeout);
    }

    // The protocol: after a request, the host waits for the answer or the reply timeout
    // before the next command, so a late answer cannot be taken for the next one. This is
    // the wire's timeout: a wire that answers within it has nothing later to wait for.
    void before_retry() override {
        if (!port_) return;
        auto until = last_request_ + timing().reply_timeout;
        while (steady_clock::now() < until) {
            std::uint8_t junk[128];
            auto left = std::chrono::duration_cast<Duration>(until - steady_clock::now());
            if (left <= Duration::zero()) break;
            (void)port_->read_some(junk, left);
        }
        port_->flush_input();
    }

    std::unique_ptr<SerialPort> port_;
    steady_clock::time_point last_request_{};
};

}  // namespace

std::unique_ptr<DutLink> make_rs485_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t) {
    return std::make_unique<Rs485Link>(spec, model, t);
}

}  // namespace rig::drivers::jklink
