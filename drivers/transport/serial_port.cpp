#include "drivers/transport/serial_port.hpp"
#include "rig/core/hex.hpp"
#include "rig/core/serial_speed.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace rig::drivers {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Milliseconds left until `deadline`, rounded up so a 0.4 ms rest still polls once.
int ms_left(steady_clock::time_point deadline) {
    auto left = deadline - steady_clock::now();
    if (left <= steady_clock::duration::zero()) return 0;
    auto ms = duration_cast<milliseconds>(left + milliseconds(1) - std::chrono::nanoseconds(1));
    return static_cast<int>(std::min<long long>(ms.count(), 1'000'000));
}

long long to_ms(Duration d) { return duration_cast<milliseconds>(d).count(); }

}  // namespace

Status SerialPort::error(Code code, const std::string& what) const {
    return Status(code, device_ + ": " + what);
}

Result<std::unique_ptr<SerialPort>> SerialPort::open(const Connection& c) {
    const std::string& dev = c.device;
    if (dev.empty()) return Status(Code::invalid_argument, "serial port: no device in " + c.str());
    int baud = c.baud > 0 ? c.baud : 9600;
    speed_t speed = termios_speed(baud);
    if (speed == B0)
        return Status(Code::invalid_argument,
                      fmt::format("{}: baud rate {} is not a standard termios rate", dev, baud));
    int fd = ::open(dev.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return Status(errno == ENOENT ? Code::disconnected : Code::io_error,
                      fmt::format("{}: cannot open: {}", dev, std::strerror(errno)));
    std::unique_ptr<SerialPort> port(new SerialPort(fd, dev));

    termios tio{};
    if (::tcgetattr(fd, &tio) != 0)
        return port->error(Code::io_error, fmt::format("not a terminal (tcgetattr: {})", std::strerror(errno)));
    ::cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= c.data_bits == 7 ? CS7 : CS8;
    if (c.parity == 'E') tio.c_cflag |= PARENB;
    if (c.parity == 'O') tio.c_cflag |= PARENB | PARODD;
    if (c.stop_bits == 2) tio.c_cflag |= CSTOPB;
    tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (::cfsetispeed(&tio, speed) != 0 || ::cfsetospeed(&tio, speed) != 0 ||
        ::tcsetattr(fd, TCSANOW, &tio) != 0)
        return port->error(Code::io_error,
                           fmt::format("cannot set {} baud {}{}{}: {}", baud, c.data_bits, c.parity,
                                       c.stop_bits, std::strerror(errno)));
    ::tcflush(fd, TCIOFLUSH);
    return port;
}

SerialPort::~SerialPort() {
    if (fd_ >= 0) ::close(fd_);
}

Status SerialPort::write_all(std::string_view text, Duration timeout) {
    return write_all(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), timeout);
}

Status SerialPort::write_all(std::span<const std::uint8_t> bytes, Duration timeout) {
    auto deadline = steady_clock::now() + timeout;
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return error(errno == EIO ? Code::disconnected : Code::io_error,
                         fmt::format("write failed after {} of {} bytes: {}", done, bytes.size(),
                                     std::strerror(errno)));
        int wait = ms_left(deadline);
        if (wait == 0)
            return error(Code::timeout, fmt::format("write timed out after {} of {} bytes ({} ms)",
                                                    done, bytes.size(), to_ms(timeout)));
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, wait);
    }
    return Status::ok();
}

Result<std::size_t> SerialPort::read_raw(std::span<std::uint8_t> buf, Duration timeout) {
    if (buf.empty()) return std::size_t{0};
    if (!pending_.empty()) {
        std::size_t n = std::min(buf.size(), pending_.size());
        std::copy_n(pending_.begin(), n, buf.begin());
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    auto deadline = steady_clock::now() + timeout;
    for (;;) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n > 0) return static_cast<std::size_t>(n);
        if (n < 0 && errno == EINTR) continue;
        // A pty whose other side is closed reads EIO; that is a dropped line, not garbage.
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return error(errno == EIO ? Code::disconnected : Code::io_error,
                         fmt::format("read failed: {}", std::strerror(errno)));
        int wait = ms_left(deadline);
        if (wait == 0) return error(Code::timeout, fmt::format("no data within {} ms", to_ms(timeout)));
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, wait);
        // Hang-up: a pty whose twin went away, an unplugged USB adapter. A raw tty reads 0
        // bytes both for "nothing yet" and after a hang-up, so poll's flags decide.
        if (r > 0 && (p.revents & (POLLHUP | POLLERR))) {
            ssize_t last = ::read(fd_, buf.data(), buf.size());
            if (last > 0) return static_cast<std::size_t>(last);
            return error(Code::disconnected, "the line hung up (device gone or its other side closed)");
        }
    }
}

Result<std::size_t> SerialPort::read_some(std::span<std::uint8_t> buf, Duration timeout) {
    return read_raw(buf, timeout);
}

Result<std::vector<std::uint8_t>> SerialPort::read_exact(std::size_t n, Duration timeout) {
    auto deadline = steady_clock::now() + timeout;
    std::vector<std::uint8_t> out(n);
    std::size_t got = 0;
    while (got < n) {
        auto left = std::max(Duration::zero(), Duration(deadline - steady_clock::now()));
        auto r = read_raw(std::span(out).subspan(got), left);
        if (!r) {
            if (r.status().code() != Code::timeout) return r.status();
            out.resize(got);
            return error(Code::timeout,
                         fmt::format("expected {} bytes within {} ms, got {}{}{}", n, to_ms(timeout),
                                     got, got ? ": " : "", hex_bytes(out)));
        }
        got += *r;
    }
    return out;
}

Result<std::string> SerialPort::read_line(char terminator, Duration timeout) {
    auto deadline = steady_clock::now() + timeout;
    std::string line;
    std::uint8_t buf[256];
    for (;;) {
        auto left = std::max(Duration::zero(), Duration(deadline - steady_clock::now()));
        auto r = read_raw(buf, left);
        if (!r) {
            if (r.status().code() != Code::timeout) return r.status();
            pending_.insert(pending_.begin(), line.begin(), line.end());
            return error(Code::timeout,
                         fmt::format("no complete line within {} ms{}{}", to_ms(timeout),
                                     line.empty() ? "" : ", got \"", line.empty() ? "" : line + "\""));
        }
        std::size_t n = *r;
        auto* end = std::find(buf, buf + n, static_cast<std::uint8_t>(terminator));
        line.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(end - buf));
        if (end != buf + n) {
            pending_.insert(pending_.begin(), end + 1, buf + n);
            return line;
        }
    }
}

void SerialPort::flush_input() {
    pending_.clear();
    ::tcflush(fd_, TCIFLUSH);
    // A pty may not honour tcflush on the slave side for data already queued; drain it.
    std::uint8_t buf[256];
    while (::read(fd_, buf, sizeof buf) > 0) {
    }
}

}  // namespace rig::drivers
