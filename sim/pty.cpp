#include "sim/pty.hpp"

#include "rig/core/serial_speed.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rig::sim {

namespace {
Status os_error(const std::string& what) {
    return Status(Code::io_error, what + ": " + std::strerror(errno));
}
}  // namespace

Result<std::unique_ptr<Pty>> Pty::open(Reactor& reactor, const std::string& name, int baud) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (master < 0) return os_error(name + ": posix_openpt");
    if (::grantpt(master) != 0 || ::unlockpt(master) != 0) {
        auto s = os_error(name + ": grantpt/unlockpt");
        ::close(master);
        return s;
    }
    char path[128];
    if (::ptsname_r(master, path, sizeof path) != 0) {
        auto s = os_error(name + ": ptsname");
        ::close(master);
        return s;
    }
    int slave = ::open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        auto s = os_error(name + ": open " + std::string(path));
        ::close(master);
        return s;
    }
    termios tio{};
    if (::tcgetattr(slave, &tio) == 0) {
        ::cfmakeraw(&tio);
        // An odd rate on a pty only affects pacing, which uses the number itself: fall back.
        speed_t speed = termios_speed(baud);
        ::cfsetspeed(&tio, speed == B0 ? B9600 : speed);
        tio.c_cflag |= CLOCAL | CREAD;
        ::tcsetattr(slave, TCSANOW, &tio);
    }
    std::unique_ptr<Pty> p(new Pty());
    p->path_ = path;
    p->baud_ = baud;
    p->slave_fd_ = slave;
    p->stream_ = std::make_unique<Stream>(reactor, master, p->path_);
    return p;
}

Pty::~Pty() {
    stream_.reset();
    if (slave_fd_ >= 0) ::close(slave_fd_);
}

std::chrono::nanoseconds wire_time(std::size_t bytes, int baud, int bits_per_char) {
    if (baud <= 0) return std::chrono::nanoseconds::zero();
    return std::chrono::nanoseconds(static_cast<long long>(bytes) * bits_per_char * 1'000'000'000LL / baud);
}

}  // namespace rig::sim
