// Test helpers: a VirtualBench of a shipped fixture with its resolved fixture loaded, polling
// with a deadline instead of fixed sleeps, libmodbus / SCPI clients on its addresses, a raw
// byte client for any of its wires, and the control port's clock.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "rig/fixture/fixture.hpp"
#include "sim/settings.hpp"
#include "sim/virtual_bench.hpp"

namespace rig::sim::test {

inline std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s += static_cast<char>(x);
    return s;
}

inline int connect_tcp(const Connection& c) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(c.port));
    ::inet_pton(AF_INET, c.host.c_str(), &a.sin_addr);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("connect " + c.str());
    }
    return fd;
}

// A raw byte client on a twin's wire: its TCP port, or its pty (raw mode).
struct RawLine {
    int fd{-1};
    explicit RawLine(const std::string& pty_path) {
        fd = ::open(pty_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) throw std::runtime_error("open " + pty_path);
        termios t{};
        ::tcgetattr(fd, &t);
        ::cfmakeraw(&t);
        ::tcsetattr(fd, TCSANOW, &t);
    }
    explicit RawLine(const Connection& c) : fd(-1) {
        if (c.is_tcp())
            fd = connect_tcp(c);
        else
            *this = RawLine(c.device);
    }
    RawLine(RawLine&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    RawLine& operator=(RawLine&& o) noexcept {
        std::swap(fd, o.fd);
        return *this;
    }
    ~RawLine() {
        if (fd >= 0) ::close(fd);
    }
    void send(const std::string& frame) {
        ASSERT_EQ(::write(fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    }
    struct Received {
        std::string bytes;
        bool closed{false};  // the other end closed the connection
    };
    // Appends what arrives to `r` until `complete(r.bytes)`, the peer closes, or the deadline.
    void receive(Received& r, const std::function<bool(const std::string&)>& complete, int timeout_ms) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (!complete(r.bytes) && !r.closed) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
            if (left <= 0) return;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char buf[256];
            auto got = ::read(fd, buf, sizeof buf);
            if (got > 0) r.bytes.append(buf, static_cast<size_t>(got));
            else if (got == 0 || errno != EAGAIN) r.closed = true;
        }
    }
    // Writes a frame and reads up to `n` bytes within the deadline.
    std::string exchange(const std::string& frame, size_t n, int timeout_ms = 3000) {
        send(frame);
        Received r;
        receive(r, [n](const std::string& in) { return in.size() >= n; }, timeout_ms);
        return r.bytes;
    }
};

// A shipped fixture by name ("virtual.toml"), or any fixture file by its absolute path.
inline std::string fixture_path(const std::string& name) {
    return name.starts_with('/') ? name : std::string(RIG_SOURCE_DIR) + "/fixtures/" + name;
}

// A reply's number, parsed as the twins print it (locale-independent); a test failure if not one.
inline double num(const std::string& s) {
    auto v = parse_number(s);
    EXPECT_TRUE(v.is_ok()) << s;
    return v.value_or(-1e9);
}

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

// The cell emulator (rigsim-ce24/48 map) with its first `n` channels at `volts`, outputs on.
inline void emulator_cells_on(modbus_t* emu, double volts, int n = 24) {
    std::vector<uint16_t> v(static_cast<size_t>(n), static_cast<uint16_t>(std::lround(volts * 10000)));
    ASSERT_EQ(modbus_write_registers(emu, 100, n, v.data()), n) << modbus_strerror(errno);
    std::vector<uint8_t> on(static_cast<size_t>(n), 1);
    ASSERT_EQ(modbus_write_bits(emu, 0, n, on.data()), n) << modbus_strerror(errno);
}

// A SCPI client on a raw TCP socket, lines in and out (also the control port's client).
struct ScpiClient {
    int fd{-1};
    std::string in;
    explicit ScpiClient(const Connection& c) : fd(connect_tcp(c)) {}
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

// The bench's clock over its control port (virtual-time benches): advance by a duration.
struct SimClock {
    ScpiClient line;
    explicit SimClock(const Bench& b) : line(b.resolved.sim->control) {}
    long long now_ns() {
        auto r = line.query("NOW?");
        EXPECT_EQ(r.rfind("OK ", 0), 0u) << r;
        return r.size() > 3 ? std::stoll(r.substr(3)) : 0;
    }
    void advance(std::chrono::duration<double> d) {
        auto to = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
        auto r = line.query("ADVANCE " + std::to_string(to));
        EXPECT_EQ(r, "OK " + std::to_string(to));
    }
};

}  // namespace rig::sim::test
