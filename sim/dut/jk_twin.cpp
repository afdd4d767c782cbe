#include "sim/dut/jk_twin.hpp"

#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include <fmt/format.h>

#include "drivers/jk/codec/can.hpp"
#include "drivers/jk/codec/rs485.hpp"
#include "drivers/jk/codec/slcan.hpp"
#include "rig/core/hex.hpp"
#include "rig/core/log.hpp"
#include "sim/io.hpp"
#include "sim/pty.hpp"

namespace rig::sim::dut {
namespace {

using drivers::CanFrame;
using jk::Command;
namespace chr = std::chrono;

std::shared_ptr<spdlog::logger> logger() { return rig::log::get("sim.dut"); }

chr::nanoseconds ms(double v) { return chr::nanoseconds(static_cast<long long>(v * 1e6)); }

double quirk_number(const drivers::ModelFile& m, const char* key, double fallback) {
    auto text = m.quirk(key);
    if (text.empty()) return fallback;
    auto v = parse_number(text);
    return v ? *v : fallback;
}

// Everything the three transports share: the model, its settings, and the protocol logic.
class TwinBase : public JkTwin {
public:
    TwinBase(const InstrumentSpec& spec, const drivers::ModelFile& model, const SocketSpec& socket, int index)
        : spec_(spec), model_(socket, index) {
        rs485_scale_ = quirk_number(model, "temperature_scale", jk::rs485::kDefaultTemperatureScale);
        can_scale_ = quirk_number(model, "temperature_scale", jk::can::kDefaultTemperatureScale);
        dut_bitrate_ = static_cast<int>(quirk_number(model, "bitrate", 250000));
    }
    JkModel& model() override { return model_; }
    Status set(const std::string& name, const std::string& value) override {
        return model_.set(name, value).with_context(spec_.id);
    }
    std::vector<SettingInfo> settings() const override { return model_.settings(); }
    Status reset(std::uint64_t seed, bool population) override {
        model_.reset(seed, population);
        return Status::ok();
    }

protected:
    Status attach(Reactor& reactor, World& world) {
        reactor_ = &reactor;
        model_.attach(reactor, world);
        return Status::ok();
    }
    chr::nanoseconds extra_delay() const { return ms(model_.faults().delay_ms); }
    bool real_time() const { return reactor_ && !reactor_->is_virtual(); }

    // The CAN balancer: frames in, frames out.
    std::vector<CanFrame> on_can_frame(const CanFrame& f) {
        if (f.id != model_.address() || f.dlc < 1) return {};
        std::uint8_t type = f.data[0];
        if (type != 0xFF && !jk::is_write(type)) return {};
        if (!model_.hears()) return {};
        std::vector<CanFrame> out;
        if (type == 0xFF) {
            out = jk::can::encode_status(model_.address(), model_.status(), can_scale_);
            // CAN has its own CRC in hardware: a "corrupt" answer is a malformed cell frame.
            if (model_.corrupt_reply()) out.back().data[1] = 0x55;
        } else {
            auto w = jk::can::decode_write(f);
            if (!w) return {};
            w->value = model_.write(w->command, w->value);
            out.push_back(jk::can::encode_echo(*w));
            if (model_.corrupt_reply()) out.back().dlc = 2;
        }
        if (model_.drop_reply()) return {};
        if (logger()->should_log(spdlog::level::debug))
            for (auto& o : out) logger()->debug("{}: CAN rx {} tx {}", spec_.id, drivers::to_string(f), drivers::to_string(o));
        return out;
    }

    InstrumentSpec spec_;
    JkModel model_;
    Reactor* reactor_{nullptr};
    double rs485_scale_{};
    double can_scale_{};
    int dut_bitrate_{250000};
};

// ---- RS485 V1.3 on a pseudo-terminal ----------------------------------------------------
class Rs485Twin final : public TwinBase {
public:
    using TwinBase::TwinBase;

    Status start(Reactor& reactor, World& world) override {
        RIG_TRY(attach(reactor, world));
        int baud = spec_.connection.baud > 0 ? spec_.connection.baud : 9600;
        auto pty = Pty::open(reactor, spec_.id, baud);
        if (!pty) return pty.status();
        pty_ = std::move(*pty);
        pty_->stream().on_data([this](std::string_view b) { feed(b); });
        auto c = spec_.connection;
        c.device = pty_->path();
        c.baud = baud;
        resolved_ = c.str();
        logger()->info("{}: JK RS485 V1.3 twin, address {}, on {}", spec_.id, model_.address(), resolved_);
        return Status::ok();
    }
    std::string resolved_connection() const override { return resolved_; }
    void stop() override { pty_.reset(); }

private:
    void feed(std::string_view bytes) {
        buf_.append(bytes);
        for (;;) {
            auto at = buf_.find("\x55\xAA");
            if (at == std::string::npos) {
                // Keep a trailing 0x55: it may be the start of the next header.
                buf_.erase(0, buf_.size() && buf_.back() == '\x55' ? buf_.size() - 1 : buf_.size());
                return;
            }
            buf_.erase(0, at);
            if (buf_.size() < jk::rs485::kRequestSize) return;
            auto* p = reinterpret_cast<const std::uint8_t*>(buf_.data());
            auto req = jk::rs485::decode_request(std::span(p, jk::rs485::kRequestSize));
            if (!req) {
                logger()->debug("{}: dropped request: {}", spec_.id, req.status().message());
                buf_.erase(0, 1);  // resynchronise on the next 55 AA
                continue;
            }
            buf_.erase(0, jk::rs485::kRequestSize);
            handle(*req);
        }
    }

    void handle(const jk::rs485::Request& r) {
        // Several balancers may share the bus: only our address answers.
        if (r.address != model_.address()) return;
        if (r.command != 0xFF && !jk::is_write(r.command)) return;
        if (!model_.hears()) return;
        std::array<std::uint8_t, jk::rs485::kResponseSize> reply{};
        if (r.command == 0xFF) {
            reply = jk::rs485::encode_read_all(model_.address(), model_.status(), rs485_scale_);
        } else {
            auto stored = model_.write(static_cast<Command>(r.command), r.data);
            reply = jk::rs485::encode_set_reply({model_.address(), r.command, stored});
        }
        if (model_.drop_reply()) return;  // the write above still took effect
        if (model_.corrupt_reply()) reply.back() = static_cast<std::uint8_t>(~reply.back());
        auto hold = extra_delay();
        if (real_time()) hold += wire_time(reply.size(), pty_->baud());
        std::string out(reinterpret_cast<const char*>(reply.data()), reply.size());
        if (logger()->should_log(spdlog::level::debug))
            logger()->debug("{}: rx {} tx {}", spec_.id, hex_bytes(jk::rs485::encode_request(r), kAllBytes),
                            hex_bytes(out, kAllBytes));
        pty_->stream().send(std::move(out), hold);
    }

    std::unique_ptr<Pty> pty_;
    std::string resolved_;
    std::string buf_;
};

// ---- CAN V5.0 behind an SLCAN adapter on a pseudo-terminal ------------------------------
class SlcanTwin final : public TwinBase {
public:
    using TwinBase::TwinBase;

    Status start(Reactor& reactor, World& world) override {
        RIG_TRY(attach(reactor, world));
        baud_ = spec_.connection.baud > 0 ? spec_.connection.baud : 115200;
        auto pty = Pty::open(reactor, spec_.id, baud_);
        if (!pty) return pty.status();
        pty_ = std::move(*pty);
        pty_->stream().on_data([this](std::string_view b) { feed(b); });
        auto c = spec_.connection;
        c.device = pty_->path();
        c.baud = baud_;
        resolved_ = c.str();
        logger()->info("{}: JK CAN V5.0 twin behind an SLCAN adapter, address {}, {} bit/s, on {}", spec_.id,
                       model_.address(), dut_bitrate_, resolved_);
        return Status::ok();
    }
    std::string resolved_connection() const override { return resolved_; }
    void stop() override { pty_.reset(); }

private:
    void feed(std::string_view bytes) {
        for (char ch : bytes) {
            if (ch == '\r') {
                std::string line;
                line.swap(line_);
                handle(line);
            } else if (ch != '\n' && line_.size() < 64) {
                line_ += ch;
            }
        }
    }

    void reply(std::string text) {
        auto hold = real_time() ? wire_time(text.size(), baud_) : chr::nanoseconds::zero();
        pty_->stream().send(std::move(text), hold);
    }

    void handle(const std::string& line) {
        static const std::string kBel = "\a";
        logger()->debug("{}: slcan rx {}", spec_.id, printable(line));
        if (line.empty()) return;  // "\r" clears the adapter's buffer; no answer
        switch (line[0]) {
            case 'S': {
                auto rate = jk::slcan::bitrate_of(line);
                if (open_ || !rate) return reply(kBel);
                bitrate_ = *rate;
                return reply("\r");
            }
            case 'O':
            case 'L':
                if (open_) return reply(kBel);
                open_ = true;
                return reply("\r");
            case 'C':
                open_ = false;
                return reply("\r");
            case 'V': return reply("V1013\r");
            case 'v': return reply("vJKTWIN\r");
            case 'N': return reply("NJK01\r");
            case 'F': return reply("F00\r");
            case 'Z': return reply(line == "Z0" ? "\r" : kBel);  // no timestamps
            case 'T':
            case 'r':
            case 'R': return reply(open_ ? (line[0] == 'r' ? "z\r" : "Z\r") : kBel);  // sent; nobody listens
            case 't': break;
            default: return reply(kBel);
        }
        if (!open_) return reply(kBel);
        auto f = jk::slcan::decode_frame(line);
        if (!f) return reply(kBel);
        // The balancer hears nothing at another bit rate (the adapter sees only errors).
        std::vector<CanFrame> answers;
        if (bitrate_ == dut_bitrate_) answers = on_can_frame(*f);
        reply("z\r");
        if (answers.empty()) return;
        // The burst leaves after the fault delay, as one write, paced at the serial side's baud.
        std::string burst;
        for (auto& a : answers) burst += jk::slcan::encode_frame(a) + "\r";
        auto hold = extra_delay() + (real_time() ? wire_time(burst.size(), baud_) : chr::nanoseconds::zero());
        pty_->stream().send(std::move(burst), hold);
    }

    std::unique_ptr<Pty> pty_;
    std::string resolved_;
    std::string line_;
    int baud_{115200};
    bool open_{false};
    int bitrate_{0};
};

// ---- CAN V5.0 on a SocketCAN interface --------------------------------------------------
class SocketCanTwin final : public TwinBase {
public:
    SocketCanTwin(const InstrumentSpec& spec, const drivers::ModelFile& model, const SocketSpec& socket, int index)
        : TwinBase(spec, model, socket, index) {}
    ~SocketCanTwin() override { close_socket(); }

    Status start(Reactor& reactor, World& world) override {
        RIG_TRY(attach(reactor, world));
        const std::string& iface = spec_.connection.device;
        std::string where = "socketcan:" + iface;
        if (iface.empty() || iface.size() >= IFNAMSIZ)
            return Status(Code::invalid_argument, spec_.id + " " + where + ": bad interface name");
        fd_ = ::socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
        if (fd_ < 0)
            return Status(Code::io_error, fmt::format("{} {}: no CAN sockets in this kernel: {}", spec_.id, where,
                                                      std::strerror(errno)));
        ifreq ifr{};
        std::memcpy(ifr.ifr_name, iface.c_str(), iface.size());
        if (::ioctl(fd_, SIOCGIFINDEX, &ifr) < 0) {
            int e = errno;
            close_socket();
            return Status(Code::disconnected,
                          fmt::format("{} {}: no such interface ({}); create it with `ip link add dev {} type vcan "
                                      "&& ip link set up {}`",
                                      spec_.id, where, std::strerror(e), iface, iface));
        }
        sockaddr_can addr{};
        addr.can_family = AF_CAN;
        addr.can_ifindex = ifr.ifr_ifindex;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
            int e = errno;
            close_socket();
            return Status(Code::io_error, fmt::format("{} {}: bind: {}", spec_.id, where, std::strerror(e)));
        }
        timer_ = std::make_unique<WireTimer>(reactor);
        reactor.watch(fd_, readable, [this](unsigned) { on_readable(); });
        resolved_ = spec_.connection.str();
        logger()->info("{}: JK CAN V5.0 twin, address {}, on {}", spec_.id, model_.address(), resolved_);
        return Status::ok();
    }
    std::string resolved_connection() const override { return resolved_; }
    void stop() override { close_socket(); }

private:
    void close_socket() {
        timer_.reset();
        if (fd_ < 0) return;
        if (reactor_) reactor_->unwatch(fd_);
        ::close(fd_);
        fd_ = -1;
    }

    void on_readable() {
        for (;;) {
            can_frame cf{};
            ssize_t n = ::read(fd_, &cf, sizeof cf);
            if (n != static_cast<ssize_t>(sizeof cf)) return;
            if (cf.can_id & (CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_ERR_FLAG)) continue;
            CanFrame f;
            f.id = cf.can_id & CAN_SFF_MASK;
            f.dlc = cf.len > 8 ? 8 : cf.len;
            std::memcpy(f.data.data(), cf.data, 8);
            auto out = on_can_frame(f);
            if (out.empty()) continue;
            auto delay = extra_delay();
            if (delay <= chr::nanoseconds::zero() && held_.empty()) {
                transmit(out);
            } else {
                held_.push_back({chr::steady_clock::now() + delay, std::move(out)});
                if (!timer_->armed()) arm();
            }
        }
    }

    void arm() {
        auto wait = held_.front().at - chr::steady_clock::now();
        timer_->arm(std::max(chr::nanoseconds::zero(), chr::duration_cast<chr::nanoseconds>(wait)), [this] {
            while (!held_.empty() && held_.front().at <= chr::steady_clock::now()) {
                transmit(held_.front().frames);
                held_.pop_front();
            }
            if (!held_.empty()) arm();
        });
    }

    void transmit(const std::vector<CanFrame>& frames) {
        for (auto& f : frames) {
            can_frame cf{};
            cf.can_id = f.id;
            cf.len = f.dlc;
            std::memcpy(cf.data, f.data.data(), 8);
            // vcan never blocks; a full queue on a real interface loses the frame, as a busy bus would.
            if (::write(fd_, &cf, sizeof cf) != static_cast<ssize_t>(sizeof cf))
                logger()->warn("{}: CAN send {}: {}", spec_.id, drivers::to_string(f), std::strerror(errno));
        }
    }

    struct Held {
        chr::steady_clock::time_point at;
        std::vector<CanFrame> frames;
    };
    int fd_{-1};
    std::string resolved_;
    std::unique_ptr<WireTimer> timer_;
    std::deque<Held> held_;
};

}  // namespace

Result<std::unique_ptr<JkTwin>> make_jk_twin(const InstrumentSpec& spec, const drivers::ModelFile& model,
                                             const SocketSpec& socket, int socket_index) {
    const auto& scheme = spec.connection.scheme;
    std::unique_ptr<JkTwin> twin;
    if (model.protocol == "jk-rs485" && (scheme == "serial" || scheme == "modbus-rtu" || scheme == "scpi-serial")) {
        if (scheme != "serial")
            return Status(Code::invalid_argument,
                          fmt::format("{}: a jk-rs485 DUT is served on serial:pty, not {}", spec.id, scheme));
        twin = std::make_unique<Rs485Twin>(spec, model, socket, socket_index);
    } else if (model.protocol == "jk-can" && scheme == "slcan") {
        twin = std::make_unique<SlcanTwin>(spec, model, socket, socket_index);
    } else if (model.protocol == "jk-can" && scheme == "socketcan") {
        twin = std::make_unique<SocketCanTwin>(spec, model, socket, socket_index);
    } else {
        return Status(Code::not_supported,
                      fmt::format("{}: no JK twin for protocol '{}' on '{}' (jk-rs485: serial:pty; jk-can: "
                                  "slcan:pty or socketcan:IFACE)",
                                  spec.id, model.protocol, spec.connection_text));
    }
    if (spec.connection.scheme != "socketcan" && spec.connection.device != "pty")
        return Status(Code::invalid_argument,
                      fmt::format("{}: the twin creates its own pseudo-terminal: write {}:pty in the fixture, "
                                  "not {}",
                                  spec.id, scheme, spec.connection.device));
    return twin;
}

}  // namespace rig::sim::dut
