// JK balancer RS485 protocol V1.3 (JK-DZ11-B2A24S), protocols.md §1: 7-byte requests
// `55 AA addr cmd hi lo sum8` and 74-byte answers `EB 90 addr cmd <69 bytes> sum8`. Pure
// encode/decode, used by the rig's RS485 link (drivers/jk) and by the DUT twin (sim/dut).
// Decoders return Code::bad_reply naming what was wrong and quoting the bytes.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "drivers/jk/codec/status.hpp"

namespace rig::jk::rs485 {

inline constexpr std::size_t kRequestSize = 7;
inline constexpr std::size_t kResponseSize = 74;
// The document gives 1 °C per LSB, a real unit sent 0.1 °C: a model-file quirk, this default.
inline constexpr double kDefaultTemperatureScale = 0.1;

struct Request {
    std::uint8_t address{1};
    std::uint8_t command{0xFF};
    std::uint16_t data{0};
    bool operator==(const Request&) const = default;
};

std::array<std::uint8_t, kRequestSize> encode_request(const Request& r);
Result<Request> decode_request(std::span<const std::uint8_t> bytes);

struct ReadAllReply {
    std::uint8_t address{1};
    BalancerStatus status;
};

std::array<std::uint8_t, kResponseSize> encode_read_all(
    std::uint8_t address, const BalancerStatus& s, double temperature_scale = kDefaultTemperatureScale);
Result<ReadAllReply> decode_read_all(std::span<const std::uint8_t> bytes,
                                     double temperature_scale = kDefaultTemperatureScale);

// A set command's answer: the value the balancer now holds.
struct SetReply {
    std::uint8_t address{1};
    std::uint8_t command{0};
    std::uint16_t value{0};
    bool operator==(const SetReply&) const = default;
};

std::array<std::uint8_t, kResponseSize> encode_set_reply(const SetReply& r);
Result<SetReply> decode_set_reply(std::span<const std::uint8_t> bytes);

// Header, length and checksum of any 74-byte answer (what every decoder checks first).
Status check_response(std::span<const std::uint8_t> bytes);

}  // namespace rig::jk::rs485
