// FakeLineServer: a local TCP listener (port 0) that answers text lines through a callback
// and records every line it received, for unit tests of the SCPI/ASCII backends: it proves
// what did, and did not, reach the wire. One client at a time; runs in its own thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

class FakeLineServer {
public:
    // Returns the reply line (without "\n") or nullopt for no reply.
    using Handler = std::function<std::optional<std::string>(const std::string& line)>;

    explicit FakeLineServer(Handler h) : handler_(std::move(h)) {
        listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(listen_, 4);
        socklen_t len = sizeof a;
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~FakeLineServer() {
        stop_ = true;
        thread_.join();
        ::close(listen_);
    }

    int port() const { return port_; }
    std::string address(const std::string& scheme = "scpi-tcp") const {
        return scheme + "://127.0.0.1:" + std::to_string(port_);
    }
    std::vector<std::string> lines() const {
        std::lock_guard l(m_);
        return lines_;
    }
    size_t count() const {
        std::lock_guard l(m_);
        return lines_.size();
    }
    // Waits (polling, generous deadline) until `n` lines have arrived: writes without a reply
    // reach the server some time after the call returns.
    bool wait_for_count(size_t n, std::chrono::milliseconds deadline = std::chrono::seconds(10)) const {
        auto end = std::chrono::steady_clock::now() + deadline;
        while (count() < n && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return count() >= n;
    }

private:
    void run() {
        int client = -1;
        std::string buf;
        while (!stop_) {
            pollfd p{client >= 0 ? client : listen_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            if (client < 0) {
                client = ::accept(listen_, nullptr, nullptr);
                buf.clear();
                continue;
            }
            char chunk[512];
            ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
            if (n <= 0) {
                ::close(client);
                client = -1;
                continue;
            }
            buf.append(chunk, static_cast<size_t>(n));
            size_t pos;
            while ((pos = buf.find('\n')) != std::string::npos) {
                std::string line = buf.substr(0, pos);
                buf.erase(0, pos + 1);
                {
                    std::lock_guard l(m_);
                    lines_.push_back(line);
                }
                if (auto reply = handler_(line)) {
                    std::string out = *reply + "\n";
                    (void)!::send(client, out.data(), out.size(), MSG_NOSIGNAL);
                }
            }
        }
        if (client >= 0) ::close(client);
    }

    Handler handler_;
    int listen_{-1};
    int port_{0};
    std::atomic<bool> stop_{false};
    mutable std::mutex m_;
    std::vector<std::string> lines_;
    std::thread thread_;
};
