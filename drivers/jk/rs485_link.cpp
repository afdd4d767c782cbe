// The JK RS485 V1.3 DUT link (links.hpp): 7-byte request, 74-byte answer, over a SerialPort.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "drivers/jk/codec/rs485.hpp"
#include "drivers/jk/links.hpp"
#include "drivers/transport/serial_port.hpp"
#include "rig/core/log.hpp"

namespace rig::drivers::jklink {
namespace {

using std::chrono::steady_clock;
namespace rs485 = jk::rs485;

class Rs485Link final : public DutLink {
public:
    Rs485Link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t)
        : DutLink(spec), model_(model), timing_(t) {}

private:
    Status do_open() override {
        auto port = SerialPort::open(spec().connection);
        if (!port) return port.status();
        port_ = std::move(*port);
        return Status::ok();
    }

    Result<Identity> do_identify() override {
        Identity id;
        id.manufacturer = model_.manufacturer;
        id.model = model_.name;
        // One quick read-all: a DUT that is not powered yet must not fail the connect.
        auto probe = std::min<Duration>(timing_.reply_timeout, std::chrono::milliseconds(300));
        auto r = exchange({static_cast<std::uint8_t>(address()), 0xFF, 0}, probe);
        if (r) {
            auto s = rs485::decode_read_all(*r, timing_.temperature_scale);
            if (s)
                id.raw = fmt::format(
                    "JK RS485 V1.3 has no identity query; read-all at connect: {} cells detected, {} configured",
                    s->status.detected_cells, s->status.configured_cells);
        }
        if (id.raw.empty())
            id.raw = fmt::format("JK RS485 V1.3 has no identity query; no answer to read-all at connect ({})",
                                 r ? "bad reply" : r.status().message());
        return id;
    }

    void do_close() override { port_.reset(); }

    Result<DutStatus> do_read_all() override {
        auto r = transact({static_cast<std::uint8_t>(address()), 0xFF, 0}, [&](const std::vector<std::uint8_t>& b)
                                                                               -> Result<rs485::ReadAllReply> {
            auto d = rs485::decode_read_all(b, timing_.temperature_scale);
            if (!d) return d;
            if (d->address != address())
                return Status(Code::bad_reply, fmt::format("answer from address {} (asked {}): {}", d->address,
                                                           address(), jk::hex(b)));
            return d;
        });
        if (!r) return r.status();
        return to_dut_status(r->status, std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
    }

    Result<int> do_write_setting(DutSetting s, int value) override {
        if (value < 0 || value > 0xFFFF)
            return Status(Code::invalid_argument,
                          fmt::format("value {} does not fit the protocol's 16 bits", value));
        auto cmd = static_cast<std::uint8_t>(command_of(s));
        auto r = transact({static_cast<std::uint8_t>(address()), cmd, static_cast<std::uint16_t>(value)},
                          [&](const std::vector<std::uint8_t>& b) -> Result<rs485::SetReply> {
                              auto d = rs485::decode_set_reply(b);
                              if (!d) return d;
                              if (d->command != cmd || d->address != address())
                                  return Status(Code::bad_reply,
                                                fmt::format("answer to {:02X} from address {} (asked {:02X} of {}): {}",
                                                            d->command, d->address, cmd, address(), jk::hex(b)));
                              return d;
                          });
        if (!r) return r.status();
        return static_cast<int>(r->value);
    }

    // One request and its raw 74-byte answer.
    Result<std::vector<std::uint8_t>> exchange(const rs485::Request& req, Duration timeout) {
        port_->flush_input();
        auto bytes = rs485::encode_request(req);
        last_request_ = steady_clock::now();
        RIG_TRY(port_->write_all(bytes, timeout));
        return port_->read_exact(rs485::kResponseSize, timeout);
    }

    template <class Decode>
    auto transact(const rs485::Request& req, Decode decode) -> decltype(decode(std::vector<std::uint8_t>{})) {
        if (!port_) return Status(Code::disconnected, "port not open");
        Status last;
        int attempts = timing_.retries + 1;
        for (int i = 0; i < attempts; ++i) {
            if (i > 0) wait_out_the_second();
            auto raw = exchange(req, timing_.reply_timeout);
            if (raw) {
                auto d = decode(*raw);
                if (d) return d;
                last = d.status();
            } else {
                last = raw.status();
                if (last.code() != Code::timeout) break;  // the port itself failed: retrying will not help
            }
        }
        // DutLink puts the id and connection in front; the port's messages name the device.
        auto where = fmt::format("command {}", jk::describe(static_cast<jk::Command>(req.command)));
        auto msg = fmt::format("{} ({} attempt{}, reply timeout {} ms)", last.message(), attempts,
                               attempts == 1 ? "" : "s",
                               std::chrono::duration_cast<std::chrono::milliseconds>(timing_.reply_timeout).count());
        log::get("driver.jk")->warn("{} {}: {}: {}", spec().id, spec().connection_text, where, msg);
        return Status(last.code(), where + ": " + msg);
    }

    // The protocol: after a request, the host waits for the answer or 1 s (the reply
    // timeout) before the next command, so a late answer cannot be taken for the next one.
    void wait_out_the_second() {
        auto until = last_request_ + timing_.reply_timeout;
        while (steady_clock::now() < until) {
            std::uint8_t junk[128];
            auto left = std::chrono::duration_cast<Duration>(until - steady_clock::now());
            if (left <= Duration::zero()) break;
            (void)port_->read_some(junk, left);
        }
        port_->flush_input();
    }

    ModelFile model_;
    LinkTiming timing_;
    std::unique_ptr<SerialPort> port_;
    steady_clock::time_point last_request_{};
};

}  // namespace

std::unique_ptr<DutLink> make_rs485_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t) {
    return std::make_unique<Rs485Link>(spec, model, t);
}

}  // namespace rig::drivers::jklink
