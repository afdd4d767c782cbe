// Bytes as text for logs and error messages: "EB 90 01 FF". One formatter for the rig's
// error messages (a bad reply quotes what came) and the virtual bench's frame logs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace rig {

// At most `max` bytes, then " ... (N bytes)" so a long frame still says its size.
inline constexpr std::size_t kAllBytes = std::numeric_limits<std::size_t>::max();
std::string hex_bytes(std::span<const std::uint8_t> bytes, std::size_t max = 80);
std::string hex_bytes(std::string_view bytes, std::size_t max = 80);

}  // namespace rig
