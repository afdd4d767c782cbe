#include "drivers/jk/codec/can.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace rig::jk::can {
namespace {

using drivers::CanFrame;

CanFrame make(std::uint8_t address, std::uint8_t type) {
    CanFrame f;
    f.id = address;
    f.dlc = 8;
    f.data[0] = type;
    return f;
}
void put16(CanFrame& f, std::size_t at, std::uint16_t v) {
    f.data[at] = static_cast<std::uint8_t>(v >> 8);
    f.data[at + 1] = static_cast<std::uint8_t>(v & 0xFF);
}
std::uint16_t get16(const CanFrame& f, std::size_t at) {
    return static_cast<std::uint16_t>((f.data[at] << 8) | f.data[at + 1]);
}
Status bad(const std::string& what, const CanFrame& f) {
    return Status(Code::bad_reply, what + ": " + drivers::to_string(f));
}
// Writes whose value is one byte on CAN (F0 nn, F6 0/1); the others are hi lo.
bool one_byte(Command c) { return c == Command::set_cell_count || c == Command::set_switch; }

}  // namespace

CanFrame encode_read_request(std::uint8_t address) {
    return make(address, static_cast<std::uint8_t>(Command::read_all));
}

std::vector<CanFrame> encode_status(std::uint8_t address, const BalancerStatus& s, double scale) {
    std::vector<CanFrame> out;
    auto f1 = make(address, 0x01);
    double raw = std::clamp(std::round(s.temperature_C / scale),
                            double(std::numeric_limits<std::int16_t>::min()),
                            double(std::numeric_limits<std::int16_t>::max()));
    put16(f1, 1, static_cast<std::uint16_t>(static_cast<std::int16_t>(raw)));
    put16(f1, 3, s.total_10mV);
    put16(f1, 5, s.average_mV);
    f1.data[7] = s.detected_cells;
    out.push_back(f1);

    auto f2 = make(address, 0x02);
    f2.data[1] = s.highest_cell;
    f2.data[2] = s.lowest_cell;
    f2.data[3] = static_cast<std::uint8_t>((s.charging ? 0x01 : 0) | (s.discharging ? 0x02 : 0) |
                                           (s.alarm_cell_count ? 0x10 : 0) |
                                           (s.alarm_lead_resistance ? 0x20 : 0));
    put16(f2, 4, s.max_delta_mV);
    put16(f2, 6, s.balance_current_mA);
    out.push_back(f2);

    auto f3 = make(address, 0x03);
    put16(f3, 1, s.trigger_mV);
    put16(f3, 3, s.max_balance_current_mA);
    f3.data[5] = s.balancing_switch ? 1 : 0;
    f3.data[6] = s.configured_cells;
    out.push_back(f3);

    for (int n = 0; n < kMaxCells; n += 3) {
        auto f4 = make(address, 0x04);
        f4.data[1] = static_cast<std::uint8_t>(n);
        for (int j = 0; j < 3; ++j)
            put16(f4, 2 + 2 * static_cast<std::size_t>(j), s.cells_mV[static_cast<std::size_t>(n + j)]);
        out.push_back(f4);
    }
    return out;
}

Result<bool> StatusAssembler::feed(const CanFrame& f) {
    if (f.id != address_ || f.dlc < 1) return false;
    std::uint8_t type = f.data[0];
    if (type < 0x01 || type > 0x04) return false;
    if (f.dlc != 8) return bad(fmt::format("type {:02X} frame with DLC {} (expected 8)", type, f.dlc), f);
    auto& s = status_;
    switch (type) {
        case 0x01:
            s.temperature_C = static_cast<std::int16_t>(get16(f, 1)) * scale_;
            s.total_10mV = get16(f, 3);
            s.average_mV = get16(f, 5);
            s.detected_cells = f.data[7];
            have_[0] = true;
            break;
        case 0x02:
            s.highest_cell = f.data[1];
            s.lowest_cell = f.data[2];
            s.charging = f.data[3] & 0x01;
            s.discharging = f.data[3] & 0x02;
            s.alarm_cell_count = f.data[3] & 0x10;
            s.alarm_lead_resistance = f.data[3] & 0x20;
            s.max_delta_mV = get16(f, 4);
            s.balance_current_mA = get16(f, 6);
            have_[1] = true;
            break;
        case 0x03:
            s.trigger_mV = get16(f, 1);
            s.max_balance_current_mA = get16(f, 3);
            s.balancing_switch = f.data[5] != 0;
            s.configured_cells = f.data[6];
            have_[2] = true;
            break;
        case 0x04: {
            int n = f.data[1];
            if (n % 3 != 0 || n >= kMaxCells)
                return bad(fmt::format("cell frame with first index {} (expected 0, 3, ... 21)", n), f);
            for (int j = 0; j < 3; ++j)
                s.cells_mV[static_cast<std::size_t>(n + j)] = get16(f, 2 + 2 * static_cast<std::size_t>(j));
            cells_[n / 3] = true;
            break;
        }
    }
    return true;
}

bool StatusAssembler::complete() const {
    return std::all_of(std::begin(have_), std::end(have_), [](bool b) { return b; }) &&
           std::all_of(std::begin(cells_), std::end(cells_), [](bool b) { return b; });
}

bool StatusAssembler::started() const {
    return std::any_of(std::begin(have_), std::end(have_), [](bool b) { return b; }) ||
           std::any_of(std::begin(cells_), std::end(cells_), [](bool b) { return b; });
}

std::string StatusAssembler::missing() const {
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    for (int t = 0; t < 3; ++t)
        if (!have_[t]) add(fmt::format("type {:02X}", t + 1));
    for (int k = 0; k < kCellFrames; ++k)
        if (!cells_[k]) add(fmt::format("cells {}-{}", 3 * k, 3 * k + 2));
    return out.empty() ? "nothing" : out;
}

CanFrame encode_write(const Write& w) {
    auto f = make(w.address, static_cast<std::uint8_t>(w.command));
    if (one_byte(w.command))
        f.data[1] = static_cast<std::uint8_t>(w.value & 0xFF);
    else
        put16(f, 1, w.value);
    return f;
}

Result<Write> decode_write(const CanFrame& f) {
    if (f.dlc < 3 || !is_write(f.data[0]))
        return Status(Code::bad_reply, "not a JK write frame: " + drivers::to_string(f));
    Write w{static_cast<std::uint8_t>(f.id), static_cast<Command>(f.data[0]), 0};
    w.value = one_byte(w.command) ? f.data[1] : get16(f, 1);
    return w;
}

CanFrame encode_echo(const Write& w) {
    auto f = encode_write(w);
    f.data[0] = static_cast<std::uint8_t>(f.data[0] + 1);
    return f;
}

Result<Write> decode_echo(const CanFrame& f) {
    if (f.dlc < 3 || f.data[0] == 0 || !is_write(static_cast<std::uint8_t>(f.data[0] - 1)))
        return bad("not a JK write echo (F1/F3/F5/F7)", f);
    Write w{static_cast<std::uint8_t>(f.id), static_cast<Command>(f.data[0] - 1), 0};
    w.value = one_byte(w.command) ? f.data[1] : get16(f, 1);
    return w;
}

}  // namespace rig::jk::can
