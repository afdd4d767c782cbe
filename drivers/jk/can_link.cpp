// The JK CAN V5.0 DUT link (links.hpp): FF and its 11-frame burst, writes and their echoes,
// over a CanBus (SLCAN adapter or SocketCAN). One attempt per call; JkLink (link.cpp) does
// the attempts and the error context.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "drivers/jk/codec/can.hpp"
#include "drivers/jk/links.hpp"
#include "drivers/transport/can_bus.hpp"

namespace rig::drivers::jklink {
namespace {

using std::chrono::steady_clock;
namespace jcan = jk::can;

class CanLink final : public JkLink {
public:
    CanLink(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t)
        : JkLink(spec, model, t, "JK CAN V5.0") {}

private:
    Status do_open() override {
        auto c = spec().connection;
        // The balancer's bit rate is a model quirk unless the connection string says otherwise.
        if (!c.params.count("bitrate") && !model().quirk("bitrate").empty()) c.params["bitrate"] = model().quirk("bitrate");
        auto bus = open_can_bus(c);
        if (!bus) return bus.status();
        bus_ = std::move(*bus);
        return Status::ok();
    }

    void do_close() override { bus_.reset(); }

    // One FF and the burst it starts.
    Result<jk::BalancerStatus> read_once(Duration timeout) override {
        if (!bus_) return Status(Code::disconnected, "bus not open");
        bus_->flush_input();
        RIG_TRY(bus_->send(jcan::encode_read_request(static_cast<std::uint8_t>(address()))));
        jcan::StatusAssembler burst(static_cast<std::uint8_t>(address()), timing().temperature_scale);
        auto deadline = steady_clock::now() + timeout;
        while (!burst.complete()) {
            auto f = bus_->receive(left(deadline));
            if (!f)
                return timeout_or(f.status(),
                                  burst.started() ? "burst incomplete, missing " + burst.missing() : "no answer",
                                  timeout);
            auto used = burst.feed(*f);
            if (!used) return used.status();
        }
        return burst.status();
    }

    Status check_value(jk::Command cmd, int value) const override {
        int max = (cmd == jk::Command::set_cell_count || cmd == jk::Command::set_switch) ? 0xFF : 0xFFFF;
        if (value < 0 || value > max)
            return Status(Code::invalid_argument, fmt::format("value {} does not fit the CAN frame's {} bits", value,
                                                              max == 0xFF ? 8 : 16));
        return Status::ok();
    }

    Result<int> write_once(jk::Command cmd, int value) override {
        if (!bus_) return Status(Code::disconnected, "bus not open");
        jcan::Write w{static_cast<std::uint8_t>(address()), cmd, static_cast<std::uint16_t>(value)};
        bus_->flush_input();
        RIG_TRY(bus_->send(jcan::encode_write(w)));
        auto deadline = steady_clock::now() + timing().reply_timeout;
        for (;;) {
            auto f = bus_->receive(left(deadline));
            if (!f) return timeout_or(f.status(), "no echo", timing().reply_timeout);
            if (f->id != w.address || f->dlc < 1 ||
                f->data[0] != static_cast<std::uint8_t>(static_cast<std::uint8_t>(cmd) + 1))
                continue;  // other traffic on the bus
            auto e = jcan::decode_echo(*f);
            if (!e) return e.status();
            return static_cast<int>(e->value);
        }
    }

    std::string where_command(jk::Command cmd) const override {
        return fmt::format("id {:03X} command {}", address(), jk::describe(cmd));
    }
    std::string wire() const override { return bus_ ? bus_->where() : spec().connection_text; }

    static Duration left(steady_clock::time_point deadline) {
        return std::max(Duration::zero(), std::chrono::duration_cast<Duration>(deadline - steady_clock::now()));
    }
    static Status timeout_or(const Status& s, const std::string& what, Duration timeout) {
        if (s.code() != Code::timeout) return s;
        return Status(Code::timeout, fmt::format("{} within {} ms", what,
                                                 std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
    }

    std::unique_ptr<CanBus> bus_;
};

}  // namespace

std::unique_ptr<DutLink> make_can_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t) {
    return std::make_unique<CanLink>(spec, model, t);
}

}  // namespace rig::drivers::jklink
