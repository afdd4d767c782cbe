// SerialPort: one open tty (a USB-RS485 adapter, a USB-serial SCPI instrument, an SLCAN
// adapter, or a twin's pseudo-terminal) in raw mode, with deadline-bounded reads and
// writes. It sits at the bottom of the flow: drivers (JK RS485 link, SCPI over serial, the
// SLCAN CAN bus) frame their bytes on top of it.
//
// Lifecycle: open() configures termios (baud, data bits, parity, stop bits from the
// connection; raw; no flow control) and returns a handle that owns the descriptor; the
// destructor closes it. Not copyable, not thread-safe (its owner serialises access).
// Every error names the device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rig/core/clock.hpp"
#include "rig/core/connection.hpp"
#include "rig/core/status.hpp"

namespace rig::drivers {

class SerialPort {
public:
    // Opens `c.device` (O_NOCTTY|O_NONBLOCK|O_CLOEXEC) at c.baud, c.data_bits, c.parity,
    // c.stop_bits. Baud rates are the standard termios ones (1200 ... 4000000).
    [[nodiscard]] static Result<std::unique_ptr<SerialPort>> open(const Connection& c);
    ~SerialPort();
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    // Writes every byte or fails (timeout names how many bytes went out).
    [[nodiscard]] Status write_all(std::span<const std::uint8_t> bytes, Duration timeout);
    [[nodiscard]] Status write_all(std::string_view text, Duration timeout);
    // Waits up to `timeout` for at least one byte, then returns what is available (<= buf).
    [[nodiscard]] Result<std::size_t> read_some(std::span<std::uint8_t> buf, Duration timeout);
    // Exactly n bytes within `timeout` (overall); on timeout the message says how many came
    // and quotes them.
    [[nodiscard]] Result<std::vector<std::uint8_t>> read_exact(std::size_t n, Duration timeout);
    // Up to and excluding `terminator`, within `timeout` overall. Bytes after the
    // terminator stay buffered for the next read.
    [[nodiscard]] Result<std::string> read_line(char terminator, Duration timeout);
    // Drops whatever is waiting (stale replies after a timeout).
    void flush_input();

    int fd() const { return fd_; }
    const std::string& device() const { return device_; }

private:
    SerialPort(int fd, std::string device) : fd_(fd), device_(std::move(device)) {}
    // Pops up to buf.size() bytes from pending_ first; else polls the fd.
    Result<std::size_t> read_raw(std::span<std::uint8_t> buf, Duration timeout);
    Status error(Code code, const std::string& what) const;

    int fd_{-1};
    std::string device_;
    std::vector<std::uint8_t> pending_;  // read past a line terminator
};


}  // namespace rig::drivers
