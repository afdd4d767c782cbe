// TcpListener: a twin's TCP port. Binds HOST:PORT (PORT 0 = a free port, read back with
// port()), accepts connections and hands each over as a Stream (sim/io.hpp) with
// TCP_NODELAY set. Many benches can run side by side because nothing binds a fixed port.
//
//   auto l = TcpListener::open(reactor, "127.0.0.1", 0, [&](std::unique_ptr<Stream> s) {...});
//   l->port();   // the port to write into the resolved fixture
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "rig/core/status.hpp"
#include "sim/io.hpp"

namespace rig::sim {

class TcpListener {
public:
    using AcceptCallback = std::function<void(std::unique_ptr<Stream>)>;

    static Result<std::unique_ptr<TcpListener>> open(Reactor& reactor, const std::string& host, int port,
                                                     AcceptCallback on_accept);
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    const std::string& host() const { return host_; }
    int port() const { return port_; }

private:
    TcpListener(Reactor& reactor) : reactor_(reactor) {}
    void accept_all();

    Reactor& reactor_;
    int fd_{-1};
    std::string host_;
    int port_{0};
    AcceptCallback on_accept_;
};

}  // namespace rig::sim
