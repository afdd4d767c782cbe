// CanBus: CAN 2.0A frames to and from a bus, whatever carries them: a Lawicel/SLCAN USB
// adapter on a serial port (`slcan:/dev/ttyACM0:115200?bitrate=250000`) or a Linux
// SocketCAN interface (`socketcan:can0`, `socketcan:vcan0`). The JK CAN link (drivers/jk)
// sits on top; the connection string alone picks the carrier.
//
// Lifecycle: open_can_bus() opens and configures the carrier (SLCAN: close, set bit rate,
// open; SocketCAN: bind a raw socket to the interface) and returns a handle that owns it;
// the destructor closes the channel (SLCAN `C`) and the descriptor. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "rig/core/clock.hpp"
#include "rig/core/connection.hpp"
#include "rig/core/status.hpp"

namespace rig::drivers {

struct CanFrame {
    std::uint32_t id{0};  // 11-bit standard id
    std::uint8_t dlc{0};
    std::array<std::uint8_t, 8> data{};
};

// "001 [8] FF 00 00 00 00 00 00 00": for logs and error messages.
inline std::string to_string(const CanFrame& f) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string s;
    for (int shift = 8; shift >= 0; shift -= 4) s += hex[(f.id >> shift) & 0xF];
    s += " [";
    s += static_cast<char>('0' + (f.dlc > 8 ? 8 : f.dlc));
    s += ']';
    for (int i = 0; i < f.dlc && i < 8; ++i) {
        s += ' ';
        s += hex[f.data[static_cast<std::size_t>(i)] >> 4];
        s += hex[f.data[static_cast<std::size_t>(i)] & 0xF];
    }
    return s;
}

class CanBus {
public:
    virtual ~CanBus() = default;
    CanBus() = default;
    CanBus(const CanBus&) = delete;
    CanBus& operator=(const CanBus&) = delete;

    [[nodiscard]] virtual Status send(const CanFrame& frame) = 0;
    // The next frame from the bus (any id), or Code::timeout.
    [[nodiscard]] virtual Result<CanFrame> receive(Duration timeout) = 0;
    // Drops frames already received (stale answers after a timeout).
    virtual void flush_input() = 0;
    // "slcan:/dev/pts/4" / "socketcan:vcan0": for error messages.
    virtual const std::string& where() const = 0;
};

// scheme "slcan" (device, baud of the adapter's serial side; param bitrate, default
// 250000, one of 10k 20k 50k 100k 125k 250k 500k 800k 1M) or "socketcan" (device =
// interface; the bit rate of a real interface is set with `ip link`, not here).
[[nodiscard]] Result<std::unique_ptr<CanBus>> open_can_bus(const Connection& c);

// Separate entry points, used by open_can_bus() and by tests.
[[nodiscard]] Result<std::unique_ptr<CanBus>> open_slcan_bus(const Connection& c);
[[nodiscard]] Result<std::unique_ptr<CanBus>> open_socketcan_bus(const Connection& c);

}  // namespace rig::drivers
