// The JK CAN V5.0 DUT link (links.hpp): FF and its 11-frame burst, writes and their echoes,
// over a CanBus (SLCAN adapter or SocketCAN).
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "drivers/jk/codec/can.hpp"
#include "drivers/jk/links.hpp"
#include "drivers/transport/can_bus.hpp"
#include "rig/core/log.hpp"

namespace rig::drivers::jklink {
namespace {

using std::chrono::steady_clock;
namespace jcan = jk::can;

class CanLink final : public DutLink {
public:
    CanLink(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t)
        : DutLink(spec), model_(model), timing_(t) {}

private:
    Status do_open() override {
        auto c = spec().connection;
        // The balancer's bit rate is a model quirk unless the connection string says otherwise.
        if (!c.params.count("bitrate") && !model_.quirk("bitrate").empty()) c.params["bitrate"] = model_.quirk("bitrate");
        auto bus = open_can_bus(c);
        if (!bus) return bus.status();
        bus_ = std::move(*bus);
        return Status::ok();
    }

    Result<Identity> do_identify() override {
        Identity id;
        id.manufacturer = model_.manufacturer;
        id.model = model_.name;
        auto probe = std::min<Duration>(timing_.reply_timeout, std::chrono::milliseconds(300));
        auto r = read_once(probe);
        id.raw = r ? fmt::format("JK CAN V5.0 has no identity query; read at connect: {} cells detected, {} "
                                 "configured",
                                 r->detected_cells, r->configured_cells)
                   : fmt::format("JK CAN V5.0 has no identity query; no answer to FF at connect ({})",
                                 r.status().message());
        return id;
    }

    void do_close() override { bus_.reset(); }

    Result<DutStatus> do_read_all() override {
        auto r = retry(jk::Command::read_all, [&]() { return read_once(timing_.reply_timeout); });
        if (!r) return r.status();
        return to_dut_status(*r, std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
    }

    Result<int> do_write_setting(DutSetting s, int value) override {
        auto cmd = command_of(s);
        int max = (cmd == jk::Command::set_cell_count || cmd == jk::Command::set_switch) ? 0xFF : 0xFFFF;
        if (value < 0 || value > max)
            return Status(Code::invalid_argument, fmt::format("value {} does not fit the CAN frame's {} bits", value,
                                                              max == 0xFF ? 8 : 16));
        jcan::Write w{static_cast<std::uint8_t>(address()), cmd, static_cast<std::uint16_t>(value)};
        auto r = retry(cmd, [&]() -> Result<int> {
            bus_->flush_input();
            RIG_TRY(bus_->send(jcan::encode_write(w)));
            auto deadline = steady_clock::now() + timing_.reply_timeout;
            for (;;) {
                auto f = bus_->receive(left(deadline));
                if (!f) return timeout_or(f.status(), "no echo", timing_.reply_timeout);
                if (f->id != w.address || f->dlc < 1 ||
                    f->data[0] != static_cast<std::uint8_t>(static_cast<std::uint8_t>(cmd) + 1))
                    continue;  // other traffic on the bus
                auto e = jcan::decode_echo(*f);
                if (!e) return e.status();
                return static_cast<int>(e->value);
            }
        });
        return r;
    }

    // One FF and the burst it starts.
    Result<jk::BalancerStatus> read_once(Duration timeout) {
        if (!bus_) return Status(Code::disconnected, "bus not open");
        bus_->flush_input();
        RIG_TRY(bus_->send(jcan::encode_read_request(static_cast<std::uint8_t>(address()))));
        jcan::StatusAssembler burst(static_cast<std::uint8_t>(address()), timing_.temperature_scale);
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

    template <class Fn>
    auto retry(jk::Command cmd, Fn fn) -> decltype(fn()) {
        if (!bus_) return Status(Code::disconnected, "bus not open");
        Status last;
        int attempts = timing_.retries + 1;
        for (int i = 0; i < attempts; ++i) {
            auto r = fn();
            if (r) return r;
            last = r.status();
            if (last.code() != Code::timeout && last.code() != Code::bad_reply) break;
        }
        auto where = fmt::format("id {:03X} command {}", address(), jk::describe(cmd));
        auto msg = fmt::format("{} ({} attempt{}, reply timeout {} ms)", last.message(), attempts,
                               attempts == 1 ? "" : "s",
                               std::chrono::duration_cast<std::chrono::milliseconds>(timing_.reply_timeout).count());
        log::get("driver.jk")->warn("{} {}: {}: {}", spec().id, bus_->where(), where, msg);
        return Status(last.code(), where + ": " + msg);
    }

    static Duration left(steady_clock::time_point deadline) {
        return std::max(Duration::zero(), std::chrono::duration_cast<Duration>(deadline - steady_clock::now()));
    }
    static Status timeout_or(const Status& s, const std::string& what, Duration timeout) {
        if (s.code() != Code::timeout) return s;
        return Status(Code::timeout, fmt::format("{} within {} ms", what,
                                                 std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
    }

    ModelFile model_;
    LinkTiming timing_;
    std::unique_ptr<CanBus> bus_;
};

}  // namespace

std::unique_ptr<DutLink> make_can_link(const InstrumentSpec& spec, const ModelFile& model, const LinkTiming& t) {
    return std::make_unique<CanLink>(spec, model, t);
}

}  // namespace rig::drivers::jklink
