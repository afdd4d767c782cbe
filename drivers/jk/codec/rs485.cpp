#include "drivers/jk/codec/rs485.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace rig::jk::rs485 {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint16_t be16(Bytes b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
void put16(std::uint8_t* b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v & 0xFF);
}

Status bad(const std::string& what, Bytes bytes) {
    return Status(Code::bad_reply, what + ": " + hex_bytes(bytes));
}

// Offsets of the read-all answer (protocols.md §1 table).
enum : std::size_t {
    kTotal = 4, kAverage = 6, kDetected = 8, kHighest = 9, kLowest = 10, kBalancing = 11,
    kAlarms = 12, kDelta = 13, kCurrent = 15, kTrigger = 17, kMaxCurrent = 19, kSwitch = 21,
    kConfigured = 22, kCells = 23, kTemperature = 71, kChecksum = 73,
};

std::array<std::uint8_t, kResponseSize> frame(std::uint8_t address, std::uint8_t command) {
    std::array<std::uint8_t, kResponseSize> b{};
    b[0] = 0xEB;
    b[1] = 0x90;
    b[2] = address;
    b[3] = command;
    return b;
}

void seal(std::array<std::uint8_t, kResponseSize>& b) {
    b[kChecksum] = sum8(std::span(b).first(kChecksum));
}

}  // namespace

std::array<std::uint8_t, kRequestSize> encode_request(const Request& r) {
    std::array<std::uint8_t, kRequestSize> b{0x55, 0xAA, r.address, r.command,
                                             static_cast<std::uint8_t>(r.data >> 8),
                                             static_cast<std::uint8_t>(r.data & 0xFF), 0};
    b[6] = sum8(std::span(b).first(6));
    return b;
}

Result<Request> decode_request(Bytes b) {
    if (b.size() != kRequestSize)
        return bad(fmt::format("request length {} (expected {})", b.size(), kRequestSize), b);
    if (b[0] != 0x55 || b[1] != 0xAA)
        return bad(fmt::format("bad request header {:02X} {:02X} (expected 55 AA)", b[0], b[1]), b);
    auto sum = sum8(b.first(6));
    if (sum != b[6])
        return bad(fmt::format("request checksum expected {:02X} got {:02X}", sum, b[6]), b);
    return Request{b[2], b[3], be16(b, 4)};
}

Status check_response(Bytes b) {
    if (b.size() != kResponseSize)
        return bad(fmt::format("answer length {} (expected {})", b.size(), kResponseSize), b);
    if (b[0] != 0xEB || b[1] != 0x90)
        return bad(fmt::format("bad answer header {:02X} {:02X} (expected EB 90)", b[0], b[1]), b);
    auto sum = sum8(b.first(kChecksum));
    if (sum != b[kChecksum])
        return bad(fmt::format("checksum expected {:02X} got {:02X}", sum, b[kChecksum]), b);
    return Status::ok();
}

std::array<std::uint8_t, kResponseSize> encode_read_all(std::uint8_t address, const BalancerStatus& s,
                                                        double temperature_scale) {
    auto b = frame(address, static_cast<std::uint8_t>(Command::read_all));
    put16(b.data(), kTotal, s.total_10mV);
    put16(b.data(), kAverage, s.average_mV);
    b[kDetected] = s.detected_cells;
    b[kHighest] = s.highest_cell;
    b[kLowest] = s.lowest_cell;
    b[kBalancing] = static_cast<std::uint8_t>((s.charging ? 1 : 0) | (s.discharging ? 2 : 0));
    b[kAlarms] = static_cast<std::uint8_t>((s.alarm_cell_count ? 1 : 0) |
                                           (s.alarm_lead_resistance ? 2 : 0) |
                                           (s.alarm_overvoltage ? 4 : 0));
    put16(b.data(), kDelta, s.max_delta_mV);
    put16(b.data(), kCurrent, s.balance_current_mA);
    put16(b.data(), kTrigger, s.trigger_mV);
    put16(b.data(), kMaxCurrent, s.max_balance_current_mA);
    b[kSwitch] = s.balancing_switch ? 1 : 0;
    b[kConfigured] = s.configured_cells;
    for (std::size_t k = 0; k < kMaxCells; ++k) put16(b.data(), kCells + 2 * k, s.cells_mV[k]);
    double raw = std::round(s.temperature_C / temperature_scale);
    raw = std::clamp(raw, double(std::numeric_limits<std::int16_t>::min()),
                     double(std::numeric_limits<std::int16_t>::max()));
    put16(b.data(), kTemperature, static_cast<std::uint16_t>(static_cast<std::int16_t>(raw)));
    seal(b);
    return b;
}

Result<ReadAllReply> decode_read_all(Bytes b, double temperature_scale) {
    RIG_TRY(check_response(b));
    if (b[3] != static_cast<std::uint8_t>(Command::read_all))
        return bad(fmt::format("answer to command {:02X}, expected FF (read all)", b[3]), b);
    ReadAllReply r;
    r.address = b[2];
    auto& s = r.status;
    s.total_10mV = be16(b, kTotal);
    s.average_mV = be16(b, kAverage);
    s.detected_cells = b[kDetected];
    s.highest_cell = b[kHighest];
    s.lowest_cell = b[kLowest];
    s.charging = b[kBalancing] & 1;
    s.discharging = b[kBalancing] & 2;
    s.alarm_cell_count = b[kAlarms] & 1;
    s.alarm_lead_resistance = b[kAlarms] & 2;
    s.alarm_overvoltage = b[kAlarms] & 4;
    s.max_delta_mV = be16(b, kDelta);
    s.balance_current_mA = be16(b, kCurrent);
    s.trigger_mV = be16(b, kTrigger);
    s.max_balance_current_mA = be16(b, kMaxCurrent);
    s.balancing_switch = b[kSwitch] != 0;
    s.configured_cells = b[kConfigured];
    for (std::size_t k = 0; k < kMaxCells; ++k) s.cells_mV[k] = be16(b, kCells + 2 * k);
    s.temperature_C = static_cast<std::int16_t>(be16(b, kTemperature)) * temperature_scale;
    if (s.detected_cells > kMaxCells)
        return bad(fmt::format("detected cell count {} (at most {})", s.detected_cells, kMaxCells), b);
    return r;
}

std::array<std::uint8_t, kResponseSize> encode_set_reply(const SetReply& r) {
    auto b = frame(r.address, r.command);
    put16(b.data(), 4, r.value);
    seal(b);
    return b;
}

Result<SetReply> decode_set_reply(Bytes b) {
    RIG_TRY(check_response(b));
    if (!is_write(b[3]))
        return bad(fmt::format("answer to command {:02X}, expected a set command (F0/F2/F4/F6)", b[3]), b);
    return SetReply{b[2], b[3], be16(b, 4)};
}

}  // namespace rig::jk::rs485
