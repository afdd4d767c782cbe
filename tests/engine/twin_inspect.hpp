// Looking at the virtual bench's twins directly, as a technician would with a scope: the
// supply's output state over SCPI and the emulator's output coils over Modbus, from the
// test process (beside the rig's own connections), to check a bench was left safe.
#pragma once

#include <arpa/inet.h>
#include <modbus.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

#include "rig/fixture/fixture.hpp"

namespace rig::engine::testing {

inline std::optional<std::string> scpi_query(const Connection& c, const std::string& line) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(c.port));
    inet_pton(AF_INET, c.host.c_str(), &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    std::string q = line + "\n";
    if (::write(fd, q.data(), q.size()) != static_cast<ssize_t>(q.size())) {
        ::close(fd);
        return std::nullopt;
    }
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string reply;
    char ch;
    while (::read(fd, &ch, 1) == 1 && ch != '\n') reply += ch;
    ::close(fd);
    return reply;
}

inline std::optional<bool> supply_output_on(const Fixture& f) {
    auto r = scpi_query(f.instrument("psu")->connection, "OUTP? (@1)");
    if (!r) return std::nullopt;
    return r->find('1') != std::string::npos;
}

inline std::optional<int> emulator_outputs_on(const Fixture& f) {
    const auto& c = f.instrument("emu")->connection;
    modbus_t* ctx = modbus_new_tcp(c.host.c_str(), c.port);
    if (!ctx) return std::nullopt;
    if (modbus_connect(ctx) != 0) {
        modbus_free(ctx);
        return std::nullopt;
    }
    uint8_t bits[24]{};
    int n = modbus_read_bits(ctx, 0, 24, bits);
    modbus_close(ctx);
    modbus_free(ctx);
    if (n != 24) return std::nullopt;
    int on = 0;
    for (auto b : bits) on += b ? 1 : 0;
    return on;
}

}  // namespace rig::engine::testing
