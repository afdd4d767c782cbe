// Test helpers: a VirtualBench of a shipped fixture with its resolved fixture loaded, polling
// with a deadline instead of fixed sleeps, and libmodbus / SCPI clients on its addresses.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "rig/fixture/fixture.hpp"
#include "sim/virtual_bench.hpp"

namespace rig::sim::test {

inline std::string fixture_path(const std::string& name) { return std::string(RIG_SOURCE_DIR) + "/fixtures/" + name; }

inline std::string temp_path(const std::string& stem) {
    static int n = 0;
    auto p = std::filesystem::temp_directory_path() /
             ("rig-sim-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" + stem);
    return p.string();
}

// Polls `cond` until true or `deadline` passes (loaded 2-core machine: be generous).
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
}

struct Bench {
    std::unique_ptr<VirtualBench> bench;
    Fixture resolved;

    explicit Bench(const std::string& fixture, bool virtual_time = false,
                   std::vector<std::pair<std::string, std::string>> settings = {}) {
        VirtualBenchOptions o;
        o.fixture_path = fixture_path(fixture);
        o.resolved_path = temp_path("resolved.toml");
        o.virtual_time = virtual_time;
        o.seed = 7;
        o.settings = std::move(settings);
        auto b = VirtualBench::start(o);
        if (!b) throw std::runtime_error(b.status().describe());
        bench = std::move(*b);
        resolved = load_fixture(bench->resolved_fixture_path());
    }
    ~Bench() {
        bench->stop();
        std::filesystem::remove(bench->resolved_fixture_path());
    }
    const Connection& conn(const std::string& id) const { return resolved.instrument(id)->connection; }
    void set(const std::string& name, const std::string& value) {
        auto s = bench->set(name, value);
        ASSERT_TRUE(s.is_ok()) << s.describe();
    }
};

struct ModbusCtx {
    modbus_t* ctx{nullptr};
    ModbusCtx(const ModbusCtx&) = delete;
    ModbusCtx& operator=(const ModbusCtx&) = delete;
    explicit ModbusCtx(const Connection& c, double timeout_s = 2.0) {
        if (c.scheme == "modbus-tcp")
            ctx = modbus_new_tcp(c.host.c_str(), c.port);
        else
            ctx = modbus_new_rtu(c.device.c_str(), c.baud, c.parity, c.data_bits, c.stop_bits);
        if (!ctx) throw std::runtime_error("modbus_new failed");
        modbus_set_slave(ctx, c.param_int("slave", c.param_int("unit", 1)));
        auto sec = static_cast<uint32_t>(timeout_s);
        modbus_set_response_timeout(ctx, sec, static_cast<uint32_t>((timeout_s - sec) * 1e6));
        if (modbus_connect(ctx) != 0) throw std::runtime_error(std::string("modbus_connect: ") + modbus_strerror(errno));
    }
    ~ModbusCtx() {
        modbus_close(ctx);
        modbus_free(ctx);
    }
    operator modbus_t*() const { return ctx; }
};

// A SCPI client on a raw TCP socket, lines in and out.
struct ScpiClient {
    int fd{-1};
    std::string in;
    explicit ScpiClient(const Connection& c) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(c.port));
        ::inet_pton(AF_INET, c.host.c_str(), &a.sin_addr);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
    }
    ~ScpiClient() { ::close(fd); }
    void send(const std::string& line) {
        auto l = line + "\n";
        ASSERT_EQ(::write(fd, l.data(), l.size()), static_cast<ssize_t>(l.size()));
    }
    // A reply line, or nullopt at timeout; "<closed>" when the twin closed the connection.
    std::optional<std::string> line(int timeout_ms = 3000) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            if (auto nl = in.find('\n'); nl != std::string::npos) {
                auto l = in.substr(0, nl);
                in.erase(0, nl + 1);
                return l;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
            if (left <= 0) return std::nullopt;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char buf[512];
            auto n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return std::string("<closed>");
            in.append(buf, static_cast<size_t>(n));
        }
    }
    std::string query(const std::string& q) {
        send(q);
        return line().value_or("<timeout>");
    }
};

}  // namespace rig::sim::test
