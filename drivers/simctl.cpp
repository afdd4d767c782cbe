// SimControl over TCP: one request line, one reply line ("OK ..." / "ERR ..."), with a
// deadline on every exchange; errors name the control port's address and the command.
#include "drivers/simctl.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>

namespace rig::drivers {
namespace {

using Clock = std::chrono::steady_clock;

class TcpSimControl final : public SimControl {
public:
    TcpSimControl(int fd, std::string where, Duration timeout) : fd_(fd), where_(std::move(where)), timeout_(timeout) {}
    ~TcpSimControl() override { ::close(fd_); }
    TcpSimControl(const TcpSimControl&) = delete;
    TcpSimControl& operator=(const TcpSimControl&) = delete;

    Status advance_to(TimePoint t) override {
        // The bench runs physics and timers before answering: give it time for long steps.
        auto r = request("ADVANCE " + std::to_string(t.time_since_epoch().count()),
                         std::max<Duration>(timeout_, std::chrono::seconds(60)));
        return r.status();
    }

    Result<TimePoint> now() override {
        auto r = request("NOW?", timeout_);
        if (!r) return r.status();
        long long ns = 0;
        auto& s = *r;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ns);
        if (ec != std::errc() || p != s.data() + s.size())
            return Status(Code::bad_reply, where_ + " NOW?: expected \"OK <ns>\", got \"OK " + s + "\"");
        return TimePoint(Duration(ns));
    }

    Status set(const std::string& name, const std::string& value) override {
        if (name.empty() || name.find_first_of(" \n") != std::string::npos || value.find('\n') != std::string::npos)
            return Status(Code::invalid_argument, where_ + " SET: bad setting name \"" + name + "\"");
        return request("SET " + name + " " + value, timeout_).status();
    }

    Status reset_unit(std::uint64_t seed, bool population,
                      const std::vector<std::pair<std::string, std::string>>& settings) override {
        std::string line = "RESET " + std::to_string(seed) + (population ? " 1" : " 0");
        for (auto& [k, v] : settings) {
            if (k.empty() || (k + v).find_first_of(" =\n") != std::string::npos)
                return Status(Code::invalid_argument,
                              where_ + " RESET: setting \"" + k + "=" + v + "\" may not contain spaces or '='");
            line += " " + k + "=" + v;
        }
        return request(line, timeout_).status();
    }

private:
    // Sends `line`, returns what follows "OK" in the reply (trimmed).
    Result<std::string> request(const std::string& line, Duration timeout) {
        std::lock_guard lock(m_);
        auto ctx = where_ + " " + line.substr(0, line.find(' '));
        if (broken_) return Status(Code::disconnected, ctx + ": the connection was lost earlier");
        auto deadline = Clock::now() + timeout;
        std::string out = line + "\n";
        size_t sent = 0;
        while (sent < out.size()) {
            auto n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                broken_ = true;
                return Status(Code::disconnected, ctx + ": send: " + std::strerror(errno));
            }
            sent += static_cast<size_t>(n);
        }
        for (;;) {
            auto nl = in_.find('\n');
            if (nl != std::string::npos) {
                std::string reply = in_.substr(0, nl);
                in_.erase(0, nl + 1);
                if (!reply.empty() && reply.back() == '\r') reply.pop_back();
                if (reply == "OK") return std::string();
                if (reply.rfind("OK ", 0) == 0) return reply.substr(3);
                if (reply.rfind("ERR ", 0) == 0) return Status(Code::device_error, ctx + ": " + reply.substr(4));
                return Status(Code::bad_reply, ctx + ": unexpected reply \"" + reply + "\"");
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) {
                broken_ = true;  // a late reply would answer the next request
                return Status(Code::timeout, ctx + ": no reply within " +
                                                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
                                                 " ms");
            }
            pollfd p{fd_, POLLIN, 0};
            int r = ::poll(&p, 1, static_cast<int>(left));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) continue;
            char buf[1024];
            auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                broken_ = true;
                return Status(Code::disconnected, ctx + ": the virtual bench closed the connection");
            }
            in_.append(buf, static_cast<size_t>(n));
        }
    }

    std::mutex m_;
    int fd_;
    std::string where_;
    Duration timeout_;
    std::string in_;
    bool broken_{false};
};

}  // namespace

Result<std::unique_ptr<SimControl>> SimControl::connect(const Connection& c, Duration timeout) {
    auto where = "simctl " + c.str();
    if (c.scheme != "simctl-tcp") return Status(Code::invalid_argument, where + ": expected a simctl-tcp:// connection");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    auto port = std::to_string(c.port);
    if (int e = ::getaddrinfo(c.host.c_str(), port.c_str(), &hints, &res); e != 0)
        return Status(Code::disconnected, where + ": " + ::gai_strerror(e));
    Status last(Code::disconnected, where + ": no address");
    for (auto* ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
            if (::poll(&p, 1, ms) == 1) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                r = err == 0 ? 0 : -1;
                errno = err ? err : ETIMEDOUT;
            } else {
                errno = ETIMEDOUT;
            }
        }
        if (r == 0) {
            ::freeaddrinfo(res);
            int flags = 0;  // back to blocking: every read is bounded by poll()
            ::fcntl(fd, F_SETFL, flags);
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            std::unique_ptr<SimControl> s = std::make_unique<TcpSimControl>(fd, where, timeout);
            return s;
        }
        last = Status(Code::disconnected, where + ": connect: " + std::strerror(errno));
        ::close(fd);
    }
    ::freeaddrinfo(res);
    return last;
}

}  // namespace rig::drivers
