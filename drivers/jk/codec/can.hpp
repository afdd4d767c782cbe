// JK balancer CAN protocol V5.0 (JK-DZ08-B2A24S), protocols.md §2: CAN 2.0A, the id is the
// device address, data byte 0 is a type. A read (`FF`) is answered by a burst: type 01
// (temperature, total, average, detected), 02 (highest, lowest, status, delta, current),
// 03 (trigger, max current, switch, configured) and eight 04 frames of three cells each.
// Writes F0/F2/F4/F6 are echoed as F1/F3/F5/F7 with the stored value. Pure encode/decode.
#pragma once

#include <cstdint>
#include <vector>

#include "drivers/jk/codec/status.hpp"
#include "drivers/transport/can_bus.hpp"

namespace rig::jk::can {

// Whole degrees per LSB (the V5.0 table says "i16 °C"); a model-file quirk, this default.
inline constexpr double kDefaultTemperatureScale = 1.0;
inline constexpr int kCellFrames = kMaxCells / 3;

drivers::CanFrame encode_read_request(std::uint8_t address);
// The 11 frames of a read answer, in the order a balancer sends them.
std::vector<drivers::CanFrame> encode_status(std::uint8_t address, const BalancerStatus& s,
                                             double temperature_scale = kDefaultTemperatureScale);

// Reassembles a burst into one status. Frames of other ids or types are not consumed.
class StatusAssembler {
public:
    explicit StatusAssembler(std::uint8_t address, double temperature_scale = kDefaultTemperatureScale)
        : address_(address), scale_(temperature_scale) {}
    // Returns true when the frame belonged to the burst (right id, type 01-04), or a
    // bad_reply status if it did but was malformed (DLC, cell index).
    Result<bool> feed(const drivers::CanFrame& f);
    bool complete() const;
    bool started() const;  // at least one frame of the burst arrived
    // What is still missing: "type 02, cells 21-23" (for timeout messages).
    std::string missing() const;
    const BalancerStatus& status() const { return status_; }

private:
    std::uint8_t address_;
    double scale_;
    BalancerStatus status_;
    bool have_[3]{};
    bool cells_[kCellFrames]{};
};

// A write request (F0 nn / F2 hi lo / F4 hi lo / F6 0|1) and its echo (command + 1).
struct Write {
    std::uint8_t address{1};
    Command command{Command::set_trigger};
    std::uint16_t value{0};
    bool operator==(const Write&) const = default;
};
drivers::CanFrame encode_write(const Write& w);
Result<Write> decode_write(const drivers::CanFrame& f);
drivers::CanFrame encode_echo(const Write& w);  // w.command is the write's command
// The echo of a write (type = command + 1); returns it with command = the write's command.
Result<Write> decode_echo(const drivers::CanFrame& f);

}  // namespace rig::jk::can
