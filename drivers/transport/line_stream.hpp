// LineStream: a byte stream that carries text lines, under the SCPI and ASCII instrument
// backends. Two kinds, picked by the connection scheme:
//   scpi-tcp://HOST:PORT, tcp://HOST:PORT   a raw TCP socket (POSIX, connect with timeout)
//   scpi-serial:DEVICE..., serial:DEVICE...  a serial port (drivers/transport/serial_port.hpp)
// Every call is bounded by a deadline; errors say what happened (the SCPI layer adds the
// command). A dropped TCP connection (peer closed, reset) is Code::disconnected and closes
// the stream; open() again reconnects.
//
// Not copyable, not thread-safe: its owner (an Instrument) serialises access.
#pragma once

#include <memory>
#include <string>

#include "rig/core/clock.hpp"
#include "rig/core/connection.hpp"
#include "rig/core/status.hpp"

namespace rig::drivers {

class LineStream {
public:
    // A stream for `c` (not opened). Unknown schemes are invalid_argument.
    [[nodiscard]] static Result<std::unique_ptr<LineStream>> create(const Connection& c);
    virtual ~LineStream() = default;
    LineStream(const LineStream&) = delete;
    LineStream& operator=(const LineStream&) = delete;

    [[nodiscard]] virtual Status open(Duration timeout) = 0;
    virtual void close() = 0;
    virtual bool is_open() const = 0;
    // Writes `line` followed by `terminator`.
    [[nodiscard]] virtual Status write_line(std::string_view line, char terminator, Duration timeout) = 0;
    // One line without its terminator (a trailing '\r' is dropped too).
    [[nodiscard]] virtual Result<std::string> read_line(char terminator, Duration timeout) = 0;
    // Drops whatever is waiting (a late answer after a timeout).
    virtual void flush_input() = 0;

protected:
    LineStream() = default;
};

// `s` in double quotes for error messages, control bytes as \xNN, cut after `max` bytes.
std::string quote_text(std::string_view s, size_t max = 80);

}  // namespace rig::drivers
