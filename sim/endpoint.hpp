// Endpoint: where a twin meets the wire. It serves one request/reply protocol (a
// FrameProtocol: Modbus TCP, Modbus RTU, SCPI lines) on TCP (any number of connections) or
// on a pseudo-terminal (one serial line), logs every frame at debug level with the
// instrument id, and applies the instrument faults of twin.hpp in one place, so every twin
// misbehaves the same way:
//   no_reply            the request is read, logged and dropped (the device does not act on it)
//   delay_ms            the reply leaves that much later (real time; later replies queue behind it)
//   corrupt_pct         that share of replies go through FrameProtocol::corrupt()
//   disconnect_after_s  TCP: each connection is closed that long (sim time) after it opened;
//                       pty: the line goes silent (input ignored) until the fault is cleared
// stuck_output is device behaviour, handled by each twin.
//
// Serial lines are paced in real time at their baud rate (request + reply bytes on the wire),
// and a device's own busy time (FrameProtocol::take_busy_time) is added, only when the
// reactor runs in real time: I/O takes no virtual time.
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "rig/core/connection.hpp"
#include "sim/pty.hpp"
#include "sim/settings.hpp"
#include "sim/tcp.hpp"

namespace rig::sim {

class FrameProtocol {
public:
    virtual ~FrameProtocol() = default;
    // Takes one complete request off the front of `in`, or nullopt when more bytes are needed.
    virtual std::optional<std::string> take_request(std::string& in) = 0;
    // Serial framings: `in` has been quiet for silence(); default drops the partial frame.
    virtual std::optional<std::string> take_on_silence(std::string& in) {
        in.clear();
        return std::nullopt;
    }
    virtual std::chrono::nanoseconds silence(int /*baud*/) const { return std::chrono::nanoseconds::zero(); }
    // The device's reply to one request; "" = no reply (wrong address, bad CRC, a SCPI set).
    virtual std::string answer(const std::string& request) = 0;
    // A damaged copy of a reply: bad CRC / transaction id for Modbus, a garbage line for SCPI.
    virtual std::string corrupt(const std::string& reply, std::mt19937_64& rng) = 0;
    virtual bool binary() const = 0;  // frames logged in hex (true) or as text
    // Device time the last answer() spent on top of the wire (a DMM's integration time),
    // then zero. The endpoint holds the reply that long in real time only: I/O takes no
    // virtual time (docs/virtual-time.md).
    virtual std::chrono::nanoseconds take_busy_time() { return std::chrono::nanoseconds::zero(); }
};

class Endpoint {
public:
    // Serves `conn` ("modbus-tcp://127.0.0.1:0", "modbus-rtu:pty:9600:8N1", "serial:pty:...").
    // TCP binds the given host and port (0 = free); serial DEVICE must be "pty".
    static Result<std::unique_ptr<Endpoint>> open(Reactor& reactor, const std::string& id, const Connection& conn,
                                                  FrameProtocol& protocol, const Faults& faults);
    ~Endpoint();
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    // The connection string the rig should use: `conn` with the real port / pty path.
    std::string resolved() const;
    // Call after a fault changed (re-times disconnects, revives a silenced line).
    void faults_changed();
    void reseed(std::uint64_t seed) { rng_.seed(seed); }
    std::size_t connections() const { return sessions_.size(); }

private:
    struct Session {
        std::unique_ptr<Stream> owned;  // TCP connections; the pty's stream is owned by the Pty
        Stream* stream{nullptr};
        std::string in;
        TimePoint opened{};
        Reactor::TimerId disconnect_timer{0};
        bool silenced{false};
        std::unique_ptr<WireTimer> silence_timer;
    };

    Endpoint(Reactor& reactor, std::string id, Connection conn, FrameProtocol& protocol, const Faults& faults);
    void attach(std::unique_ptr<Stream> owned, Stream* stream);
    void on_bytes(Session& s, std::string_view bytes);
    void handle(Session& s, const std::string& request);
    void arm_disconnect(Session& s);
    void drop(Session& s);
    std::string frame_text(std::string_view f) const;

    Reactor& reactor_;
    std::string id_;
    Connection conn_;
    FrameProtocol& protocol_;
    const Faults& faults_;
    std::mt19937_64 rng_{1};
    std::unique_ptr<TcpListener> listener_;
    std::unique_ptr<Pty> pty_;
    std::list<Session> sessions_;
    std::vector<std::unique_ptr<Stream>> graveyard_;  // closed streams awaiting destruction
    std::shared_ptr<bool> alive_;
};

}  // namespace rig::sim
