#include "rig/core/hex.hpp"

#include <algorithm>

namespace rig {

std::string hex_bytes(std::span<const std::uint8_t> bytes, std::size_t max) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::size_t n = std::min(bytes.size(), max);
    std::string s;
    s.reserve(n * 3 + 24);
    for (std::size_t i = 0; i < n; ++i) {
        if (i) s += ' ';
        s += kDigits[bytes[i] >> 4];
        s += kDigits[bytes[i] & 15];
    }
    if (bytes.size() > n) s += " ... (" + std::to_string(bytes.size()) + " bytes)";
    return s;
}

std::string hex_bytes(std::string_view bytes, std::size_t max) {
    return hex_bytes(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), max);
}

}  // namespace rig
