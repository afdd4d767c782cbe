#include "sim/tcp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rig::sim {

Result<std::unique_ptr<TcpListener>> TcpListener::open(Reactor& reactor, const std::string& host, int port,
                                                       AcceptCallback on_accept) {
    auto where = host + ":" + std::to_string(port);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
        return Status(Code::invalid_argument, "listen " + where + ": not an IPv4 address");
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status(Code::io_error, "listen " + where + ": socket: " + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
        Status s(Code::io_error, "listen " + where + ": " + std::strerror(errno));
        ::close(fd);
        return s;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::unique_ptr<TcpListener> l(new TcpListener(reactor));
    l->fd_ = fd;
    l->host_ = host;
    l->port_ = ntohs(addr.sin_port);
    l->on_accept_ = std::move(on_accept);
    auto* self = l.get();
    reactor.watch(fd, readable, [self](unsigned) { self->accept_all(); });
    return l;
}

TcpListener::~TcpListener() {
    if (fd_ >= 0) {
        reactor_.unwatch(fd_);
        ::close(fd_);
    }
}

void TcpListener::accept_all() {
    for (;;) {
        sockaddr_in peer{};
        socklen_t len = sizeof peer;
        int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) return;  // EAGAIN, or a connection that died before we took it
        int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char ip[INET_ADDRSTRLEN] = "?";
        ::inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
        auto s = std::make_unique<Stream>(reactor_, c, std::string(ip) + ":" + std::to_string(ntohs(peer.sin_port)));
        if (on_accept_) on_accept_(std::move(s));
    }
}

}  // namespace rig::sim
