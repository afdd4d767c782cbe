// CanBus over a Lawicel/SLCAN adapter on a serial port (drivers/transport/can_bus.hpp).
#include <deque>

#include "drivers/jk/codec/slcan.hpp"
#include "drivers/transport/can_bus.hpp"
#include "drivers/transport/serial_port.hpp"

#include <fmt/format.h>

namespace rig::drivers {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

constexpr std::uint8_t kBel = 0x07;

// One reply token from the adapter: a line ended by `\r`, or a BEL.
struct Token {
    bool bel{false};
    std::string line;
};

class SlcanBus final : public CanBus {
public:
    SlcanBus(std::unique_ptr<SerialPort> port, Duration ack_timeout, bool wait_acks)
        : port_(std::move(port)), where_("slcan:" + port_->device()), ack_timeout_(ack_timeout),
          wait_acks_(wait_acks) {}

    ~SlcanBus() override {
        // Close the channel so the adapter stops forwarding; best effort on the way out.
        (void)port_->write_all(std::string_view("C\r"), 100ms);
    }

    Status open_channel(int bitrate) {
        auto cmd = jk::slcan::bitrate_command(bitrate);
        if (!cmd) return cmd.status().with_context(where_);
        // A channel left open by an earlier run refuses S; close first and ignore its answer.
        // Adapters answer the empty lines with \r or BEL: drain until the line is quiet.
        RIG_TRY(port_->write_all(std::string_view("\r\r\rC\r"), ack_timeout_));
        for (int i = 0; i < 20 && read_token(50ms); ++i) {
        }
        port_->flush_input();
        partial_.clear();
        RIG_TRY(command(*cmd));
        return command("O");
    }

    Status send(const CanFrame& f) override {
        std::string line = jk::slcan::encode_frame(f);
        auto st = port_->write_all(line + "\r", ack_timeout_);
        if (!st) return st.with_context(where_ + " send " + line);
        if (!wait_acks_) return Status::ok();
        // The adapter answers `z\r` (or `\r` on some firmware) once the frame is queued;
        // frames arriving meanwhile are kept for receive().
        auto deadline = steady_clock::now() + ack_timeout_;
        for (;;) {
            auto t = read_token(deadline - steady_clock::now());
            if (!t) {
                if (t.status().code() == Code::timeout)
                    return Status(Code::timeout,
                                  fmt::format("{} send {}: no acknowledge (z) within {} ms", where_, line,
                                              std::chrono::duration_cast<std::chrono::milliseconds>(ack_timeout_).count()));
                return t.status().with_context(where_ + " send " + line);
            }
            if (t->bel) return Status(Code::device_error, fmt::format("{} send {}: adapter refused (BEL)", where_, line));
            if (t->line == "z" || t->line == "Z" || t->line.empty()) return Status::ok();
            keep_frame(t->line);
        }
    }

    Result<CanFrame> receive(Duration timeout) override {
        auto deadline = steady_clock::now() + timeout;
        for (;;) {
            if (!queue_.empty()) {
                auto f = queue_.front();
                queue_.pop_front();
                return f;
            }
            auto left = deadline - steady_clock::now();
            auto t = read_token(left);
            if (!t) {
                if (t.status().code() == Code::timeout)
                    return Status(Code::timeout,
                                  fmt::format("{}: no CAN frame within {} ms", where_,
                                              std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
                return t.status().with_context(where_);
            }
            if (!t->bel) keep_frame(t->line);
        }
    }

    void flush_input() override {
        queue_.clear();
        partial_.clear();
        port_->flush_input();
    }

    const std::string& where() const override { return where_; }

private:
    Status command(const std::string& cmd) {
        RIG_TRY(port_->write_all(cmd + "\r", ack_timeout_).with_context(where_ + " " + cmd));
        auto deadline = steady_clock::now() + ack_timeout_;
        for (;;) {
            auto t = read_token(deadline - steady_clock::now());
            if (!t) return t.status().with_context(where_ + " " + cmd + ": no answer");
            if (t->bel) return Status(Code::device_error, where_ + " " + cmd + ": adapter refused (BEL)");
            if (t->line.empty()) return Status::ok();
            keep_frame(t->line);  // a frame that raced the command
        }
    }

    void keep_frame(const std::string& line) {
        if (line.empty() || (line[0] != 't')) return;  // acks, T/r frames, status replies
        auto f = jk::slcan::decode_frame(line);
        if (f) queue_.push_back(*f);
    }

    Result<Token> read_token(Duration timeout) {
        auto deadline = steady_clock::now() + timeout;
        for (;;) {
            for (std::size_t i = 0; i < partial_.size(); ++i) {
                char ch = partial_[i];
                if (ch == '\r' || ch == static_cast<char>(kBel)) {
                    Token t{ch == static_cast<char>(kBel), partial_.substr(0, i)};
                    partial_.erase(0, i + 1);
                    return t;
                }
            }
            std::uint8_t buf[256];
            auto left = std::max(Duration::zero(), Duration(deadline - steady_clock::now()));
            auto n = port_->read_some(buf, left);
            if (!n) return n.status();
            for (std::size_t i = 0; i < *n; ++i)
                if (buf[i] != '\n') partial_ += static_cast<char>(buf[i]);
        }
    }

    std::unique_ptr<SerialPort> port_;
    std::string where_;
    Duration ack_timeout_;
    bool wait_acks_;
    std::string partial_;
    std::deque<CanFrame> queue_;
};

}  // namespace

Result<std::unique_ptr<CanBus>> open_slcan_bus(const Connection& c) {
    auto port = SerialPort::open(c);
    if (!port) return port.status().with_context("slcan");
    int bitrate = c.param_int("bitrate", 250000);
    auto ack = std::chrono::milliseconds(c.param_int("ack_timeout_ms", 500));
    bool wait_acks = c.param_int("acks", 1) != 0;
    auto bus = std::make_unique<SlcanBus>(std::move(*port), ack, wait_acks);
    RIG_TRY(bus->open_channel(bitrate));
    return std::unique_ptr<CanBus>(std::move(bus));
}

}  // namespace rig::drivers
