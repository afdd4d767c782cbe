#include "drivers/jk/codec/status.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rig::jk {

std::string describe(Command c) {
    const char* what = "unknown command";
    switch (c) {
        case Command::read_all: what = "read all"; break;
        case Command::set_cell_count: what = "set cell count"; break;
        case Command::set_trigger: what = "set trigger delta"; break;
        case Command::set_max_current: what = "set max balance current"; break;
        case Command::set_switch: what = "set balancing switch"; break;
    }
    return fmt::format("{:02X} ({})", static_cast<unsigned>(c), what);
}

bool is_write(std::uint8_t b) { return b == 0xF0 || b == 0xF2 || b == 0xF4 || b == 0xF6; }

ValueRange accepted_range(Command write) {
    switch (write) {
        case Command::set_cell_count: return {2, kMaxCells};
        case Command::set_trigger: return {2, 1000};
        case Command::set_max_current: return {30, 2000};
        case Command::set_switch: return {0, 1};
        case Command::read_all: break;
    }
    return {0, 0};
}

std::uint8_t sum8(std::span<const std::uint8_t> bytes) {
    unsigned s = 0;
    for (auto b : bytes) s += b;
    return static_cast<std::uint8_t>(s & 0xFF);
}

}  // namespace rig::jk
