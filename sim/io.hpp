// Byte streams and wire timers for twins: the pieces every twin's transport is built from.
// A Stream is one non-blocking, output-buffered byte stream on the reactor (an accepted TCP
// connection, a pseudo-terminal master); a WireTimer is a one-shot timer in REAL time
// (timerfd), for what happens on the wire whatever the sim clock does: reply delays, serial
// pacing at the baud rate, Modbus RTU inter-frame silence.
//
// For twin authors (sim/dut too): all of these are reactor-thread objects. Callbacks may
// destroy the object that called them (a twin dropping a closed connection): the object
// checks that it is still alive before touching itself again. Typical use:
//
//   auto pty = Pty::open(reactor, "jk");               // sim/pty.hpp
//   pty->stream().on_data([&](std::string_view b) { parser.feed(b); });
//   pty->stream().send(reply, pacing);                   // leaves after `pacing` real time
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "rig/core/hex.hpp"
#include "sim/reactor.hpp"

namespace rig::sim {

// One-shot timer on CLOCK_MONOTONIC, served by the reactor (works in virtual time too).
class WireTimer {
public:
    explicit WireTimer(Reactor& reactor);
    ~WireTimer();
    WireTimer(const WireTimer&) = delete;
    WireTimer& operator=(const WireTimer&) = delete;

    // (Re)arms: cb runs once, `after` from now in real time. A zero delay runs on the next
    // reactor turn, never inside arm().
    void arm(std::chrono::nanoseconds after, std::function<void()> cb);
    void disarm();
    bool armed() const { return armed_; }

private:
    Reactor& reactor_;
    int fd_{-1};
    bool armed_{false};
    std::function<void()> cb_;
    std::shared_ptr<bool> alive_;
};

class Stream {
public:
    using DataCallback = std::function<void(std::string_view bytes)>;
    using CloseCallback = std::function<void()>;

    // Takes ownership of `fd` (made non-blocking). `peer` names it in logs ("127.0.0.1:5332").
    Stream(Reactor& reactor, int fd, std::string peer);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    void on_data(DataCallback cb) { on_data_ = std::move(cb); }
    // Called once when the peer closes or the fd fails (not on close()).
    void on_close(CloseCallback cb) { on_close_ = std::move(cb); }

    // Queues bytes to leave `hold` (real time) from now; bytes always leave in send order,
    // so a held reply also holds back the replies queued after it.
    void send(std::string bytes, std::chrono::nanoseconds hold = std::chrono::nanoseconds::zero());
    // Drops pending output (held or buffered); used when a twin "loses" a line.
    void discard_output();
    // Closes the descriptor now; pending output is dropped and on_close is not called.
    void close();
    bool is_open() const { return fd_ >= 0; }
    const std::string& peer() const { return peer_; }
    int fd() const { return fd_; }

private:
    void on_events(unsigned events);
    void flush();
    void release_due();
    void update_watch();
    void fail();

    struct Held {
        std::chrono::steady_clock::time_point at;
        std::string bytes;
    };

    Reactor& reactor_;
    int fd_{-1};
    std::string peer_;
    DataCallback on_data_;
    CloseCallback on_close_;
    std::string out_;
    std::deque<Held> held_;
    WireTimer hold_timer_;
    bool want_write_{false};
    std::shared_ptr<bool> alive_;
};

// A text line for logs: printable as is, the rest as \xNN; trailing newline removed.
std::string printable(std::string_view text);

}  // namespace rig::sim
