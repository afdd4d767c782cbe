// CanBus over a Linux SocketCAN raw socket (drivers/transport/can_bus.hpp).
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "drivers/transport/can_bus.hpp"

namespace rig::drivers {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

class SocketCanBus final : public CanBus {
public:
    SocketCanBus(int fd, std::string where) : fd_(fd), where_(std::move(where)) {}
    ~SocketCanBus() override { ::close(fd_); }

    Status send(const CanFrame& f) override {
        can_frame cf{};
        cf.can_id = f.id & CAN_SFF_MASK;
        cf.len = f.dlc > 8 ? 8 : f.dlc;
        std::memcpy(cf.data, f.data.data(), 8);
        auto deadline = steady_clock::now() + milliseconds(1000);
        for (;;) {
            ssize_t n = ::write(fd_, &cf, sizeof cf);
            if (n == static_cast<ssize_t>(sizeof cf)) return Status::ok();
            if (n < 0 && errno == EINTR) continue;
            // ENOBUFS: the interface's queue is full (no one acknowledges on a real bus).
            if (n < 0 && errno != EAGAIN && errno != ENOBUFS)
                return Status(errno == ENETDOWN ? Code::disconnected : Code::io_error,
                              fmt::format("{} send {}: {}", where_, to_string(f), std::strerror(errno)));
            auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
            if (left <= 0)
                return Status(Code::timeout, fmt::format("{} send {}: transmit queue full for 1000 ms (bus off or no "
                                                         "other node acknowledging?)", where_, to_string(f)));
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 10)));
        }
    }

    Result<CanFrame> receive(Duration timeout) override {
        auto deadline = steady_clock::now() + timeout;
        for (;;) {
            can_frame cf{};
            ssize_t n = ::read(fd_, &cf, sizeof cf);
            if (n == static_cast<ssize_t>(sizeof cf)) {
                // Extended, remote and error frames are not part of the JK protocol.
                if (cf.can_id & (CAN_EFF_FLAG | CAN_RTR_FLAG | CAN_ERR_FLAG)) continue;
                CanFrame f;
                f.id = cf.can_id & CAN_SFF_MASK;
                f.dlc = cf.len > 8 ? 8 : cf.len;
                std::memcpy(f.data.data(), cf.data, 8);
                return f;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno != EAGAIN)
                return Status(errno == ENETDOWN ? Code::disconnected : Code::io_error,
                              fmt::format("{} receive: {}", where_, std::strerror(errno)));
            auto left = duration_cast<milliseconds>(deadline - steady_clock::now() + milliseconds(1) -
                                                    std::chrono::nanoseconds(1)).count();
            if (left <= 0)
                return Status(Code::timeout, fmt::format("{}: no CAN frame within {} ms", where_,
                                                         duration_cast<milliseconds>(timeout).count()));
            pollfd p{fd_, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1'000'000)));
        }
    }

    void flush_input() override {
        can_frame cf{};
        while (::read(fd_, &cf, sizeof cf) > 0) {
        }
    }

    const std::string& where() const override { return where_; }

private:
    int fd_;
    std::string where_;
};

}  // namespace

Result<std::unique_ptr<CanBus>> open_socketcan_bus(const Connection& c) {
    std::string where = "socketcan:" + c.device;
    if (c.device.empty() || c.device.size() >= IFNAMSIZ)
        return Status(Code::invalid_argument, where + ": interface name empty or too long");
    int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
    if (fd < 0)
        return Status(Code::io_error, fmt::format("{}: cannot open a CAN socket: {} (kernel without CAN?)", where,
                                                  std::strerror(errno)));
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, c.device.c_str(), c.device.size());
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        int e = errno;
        ::close(fd);
        return Status(Code::disconnected, fmt::format("{}: no such interface ({})", where, std::strerror(e)));
    }
    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = ifr.ifr_ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        int e = errno;
        ::close(fd);
        return Status(Code::io_error, fmt::format("{}: bind: {}", where, std::strerror(e)));
    }
    return std::unique_ptr<CanBus>(std::make_unique<SocketCanBus>(fd, where));
}

}  // namespace rig::drivers
