#include "drivers/transport/line_stream.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "drivers/transport/serial_port.hpp"

namespace rig::drivers {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

int remaining_ms(SteadyTime deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

long long as_ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// A raw TCP socket, non-blocking, every wait through poll() against a deadline.
class TcpLineStream final : public LineStream {
public:
    explicit TcpLineStream(Connection c) : conn_(std::move(c)) {}
    ~TcpLineStream() override { close(); }

    Status open(Duration timeout) override {
        if (fd_ >= 0) return Status::ok();
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        auto port = std::to_string(conn_.port);
        if (int rc = getaddrinfo(conn_.host.c_str(), port.c_str(), &hints, &res); rc != 0)
            return Status(Code::io_error, "cannot resolve \"" + conn_.host + "\": " + gai_strerror(rc));
        auto deadline = std::chrono::steady_clock::now() + timeout;
        Status last(Code::disconnected, "no address");
        for (auto* ai = res; ai; ai = ai->ai_next) {
            int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
            if (fd < 0) {
                last = Status(Code::io_error, std::string("socket: ") + std::strerror(errno));
                continue;
            }
            int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
            if (rc != 0 && errno == EINPROGRESS) {
                pollfd p{fd, POLLOUT, 0};
                rc = ::poll(&p, 1, remaining_ms(deadline));
                if (rc == 0) {
                    ::close(fd);
                    last = Status(Code::timeout, "connect: no answer within " + std::to_string(as_ms(timeout)) + " ms");
                    continue;
                }
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                rc = err == 0 ? 0 : -1;
                errno = err;
            }
            if (rc != 0) {
                last = Status(Code::disconnected, std::string("connect: ") + std::strerror(errno));
                ::close(fd);
                continue;
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // one command per packet
            fd_ = fd;
            break;
        }
        freeaddrinfo(res);
        if (fd_ < 0) return last;
        buffer_.clear();
        return Status::ok();
    }

    void close() override {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        buffer_.clear();
    }

    bool is_open() const override { return fd_ >= 0; }

    Status write_line(std::string_view line, char terminator, Duration timeout) override {
        if (fd_ < 0) return Status(Code::disconnected, "not connected");
        std::string data(line);
        data += terminator;
        auto deadline = std::chrono::steady_clock::now() + timeout;
        size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<size_t>(n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{fd_, POLLOUT, 0};
                if (::poll(&p, 1, remaining_ms(deadline)) == 0)
                    return Status(Code::timeout, "write: " + std::to_string(sent) + " of " + std::to_string(data.size()) +
                                                     " bytes sent in " + std::to_string(as_ms(timeout)) + " ms");
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            return lost(std::string("write: ") + std::strerror(errno));
        }
        return Status::ok();
    }

    Result<std::string> read_line(char terminator, Duration timeout) override {
        if (fd_ < 0) return Status(Code::disconnected, "not connected");
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto pos = buffer_.find(terminator);
            if (pos != std::string::npos) {
                std::string line = buffer_.substr(0, pos);
                buffer_.erase(0, pos + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                return line;
            }
            pollfd p{fd_, POLLIN, 0};
            int rc = ::poll(&p, 1, remaining_ms(deadline));
            if (rc < 0 && errno == EINTR) continue;
            if (rc == 0) {
                std::string got = buffer_.empty() ? "nothing came back" : "got only " + quote_text(buffer_);
                return Status(Code::timeout, "no reply within " + std::to_string(as_ms(timeout)) + " ms (" + got + ")");
            }
            char chunk[512];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n > 0) {
                buffer_.append(chunk, static_cast<size_t>(n));
                if (buffer_.size() > 1 << 20) return Status(Code::bad_reply, "a line longer than 1 MiB");
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            return lost(n == 0 ? std::string("connection closed by the instrument")
                               : std::string("read: ") + std::strerror(errno));
        }
    }

    void flush_input() override {
        buffer_.clear();
        if (fd_ < 0) return;
        char chunk[512];
        while (::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT) > 0) {
        }
    }

private:
    Status lost(const std::string& why) {
        close();
        return Status(Code::disconnected, why + "; the connection is re-opened on the next call");
    }

    Connection conn_;
    int fd_{-1};
    std::string buffer_;
};

// A serial port (USB-serial SCPI instruments, or a twin's pseudo-terminal).
class SerialLineStream final : public LineStream {
public:
    explicit SerialLineStream(Connection c) : conn_(std::move(c)) {}

    Status open(Duration) override {
        if (port_) return Status::ok();
        auto p = SerialPort::open(conn_);
        if (!p) return p.status();
        port_ = std::move(*p);
        return Status::ok();
    }
    void close() override { port_.reset(); }
    bool is_open() const override { return port_ != nullptr; }

    Status write_line(std::string_view line, char terminator, Duration timeout) override {
        if (!port_) return Status(Code::disconnected, "not open");
        std::string data(line);
        data += terminator;
        return port_->write_all(data, timeout);
    }

    Result<std::string> read_line(char terminator, Duration timeout) override {
        if (!port_) return Status(Code::disconnected, "not open");
        auto r = port_->read_line(terminator, timeout);
        if (!r) return r.status();
        auto line = std::move(*r);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }

    void flush_input() override {
        if (port_) port_->flush_input();
    }

private:
    Connection conn_;
    std::unique_ptr<SerialPort> port_;
};

}  // namespace

std::string quote_text(std::string_view s, size_t max) {
    std::string out = "\"";
    for (char ch : s.substr(0, max)) {
        auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out += ch;
        } else {
            static const char* hex = "0123456789ABCDEF";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (s.size() > max) out += "...";
    return out + "\"";
}

Result<std::unique_ptr<LineStream>> LineStream::create(const Connection& c) {
    if (c.scheme == "scpi-tcp" || c.scheme == "tcp") return std::unique_ptr<LineStream>(new TcpLineStream(c));
    if (c.scheme == "scpi-serial" || c.scheme == "serial") {
        if (c.device == "pty")
            return Status(Code::invalid_argument, "device pty is only meaningful to the virtual bench; use the resolved fixture");
        return std::unique_ptr<LineStream>(new SerialLineStream(c));
    }
    return Status(Code::invalid_argument, "a line protocol needs scpi-tcp://, tcp://, scpi-serial: or serial:, got \"" +
                                              c.str() + "\"");
}

}  // namespace rig::drivers
