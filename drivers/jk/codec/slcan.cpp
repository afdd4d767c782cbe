#include "drivers/jk/codec/slcan.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace rig::jk::slcan {
namespace {

constexpr std::array<int, 9> kRates = {10000, 20000, 50000, 100000, 125000,
                                       250000, 500000, 800000, 1000000};

bool hex_value(std::string_view s, std::uint32_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

Status bad(std::string_view line, const std::string& why) {
    return Status(Code::bad_reply, fmt::format("SLCAN line \"{}\": {}", line, why));
}

}  // namespace

std::string encode_frame(const drivers::CanFrame& f) {
    std::string s = fmt::format("t{:03X}{:d}", f.id & 0x7FF, f.dlc > 8 ? 8 : f.dlc);
    for (int i = 0; i < f.dlc && i < 8; ++i) s += fmt::format("{:02X}", f.data[static_cast<std::size_t>(i)]);
    return s;
}

Result<drivers::CanFrame> decode_frame(std::string_view line) {
    if (line.empty()) return bad(line, "empty");
    if (line[0] == 'T') return bad(line, "extended (29-bit) frames are not used by the JK protocol");
    if (line[0] == 'r' || line[0] == 'R') return bad(line, "remote frames are not used by the JK protocol");
    if (line[0] != 't') return bad(line, "not a frame (expected 't')");
    if (line.size() < 5) return bad(line, "too short for t<id:3><dlc>");
    drivers::CanFrame f;
    std::uint32_t id = 0, dlc = 0;
    if (!hex_value(line.substr(1, 3), id) || id > 0x7FF) return bad(line, "bad 11-bit id");
    if (!hex_value(line.substr(4, 1), dlc) || dlc > 8) return bad(line, "bad DLC (0-8)");
    // Some adapters append a 4-digit timestamp (Z1 mode); accept and ignore it.
    std::size_t need = 5 + 2 * dlc;
    if (line.size() != need && line.size() != need + 4)
        return bad(line, fmt::format("{} data bytes need {} characters, line has {}", dlc, need, line.size()));
    f.id = id;
    f.dlc = static_cast<std::uint8_t>(dlc);
    for (std::size_t i = 0; i < dlc; ++i) {
        std::uint32_t b = 0;
        if (!hex_value(line.substr(5 + 2 * i, 2), b)) return bad(line, fmt::format("bad data byte {}", i));
        f.data[i] = static_cast<std::uint8_t>(b);
    }
    return f;
}

Result<std::string> bitrate_command(int bitrate) {
    for (std::size_t i = 0; i < kRates.size(); ++i)
        if (kRates[i] == bitrate) return fmt::format("S{}", i);
    return Status(Code::invalid_argument,
                  fmt::format("SLCAN bit rate {} is not one of 10k 20k 50k 100k 125k 250k 500k 800k 1M", bitrate));
}

Result<int> bitrate_of(std::string_view command) {
    if (command.size() == 2 && command[0] == 'S' && command[1] >= '0' && command[1] <= '8')
        return kRates[static_cast<std::size_t>(command[1] - '0')];
    return Status(Code::invalid_argument, fmt::format("\"{}\" is not an SLCAN bit rate command (S0-S8)", command));
}

}  // namespace rig::jk::slcan
