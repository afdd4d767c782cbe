// Pty: a pseudo-terminal a twin serves a serial line on. The rig opens path() ("/dev/pts/7")
// as if it were /dev/ttyUSB0; the twin reads and writes the master through stream().
//
// The twin keeps a slave descriptor open for its whole life, so the master never sees
// EIO/hang-up when the rig closes and reopens the device between runs; the slave starts in
// raw mode (cfmakeraw) at `baud`, so a client that does not set termios still gets raw bytes.
// A pty has no baud rate of its own: twins that pace their replies (real time only) compute
// the time on the wire from the line's baud themselves (wire_time()).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "rig/core/status.hpp"
#include "sim/io.hpp"

namespace rig::sim {

class Pty {
public:
    // `name` is for logs (the instrument id). Errors name the failing call.
    static Result<std::unique_ptr<Pty>> open(Reactor& reactor, const std::string& name, int baud = 9600);
    ~Pty();
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;

    const std::string& path() const { return path_; }
    int baud() const { return baud_; }
    Stream& stream() { return *stream_; }

private:
    Pty() = default;
    std::string path_;
    int baud_{9600};
    int slave_fd_{-1};
    std::unique_ptr<Stream> stream_;
};

// Time `bytes` take on a serial line at `baud` with `bits_per_char` (8N1 = 10 bits).
std::chrono::nanoseconds wire_time(std::size_t bytes, int baud, int bits_per_char = 10);

}  // namespace rig::sim
