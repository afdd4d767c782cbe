// SLCAN (Lawicel ASCII) lines, the protocol of common USB-CAN adapters: `t<id:3 hex><dlc>
// <data hex>\r` carries a standard frame, `S0`-`S8` set the bit rate, `O` opens and `C`
// closes the channel; the adapter answers `\r` (ok), `\a` (BEL, error) and `z\r` after a
// transmitted frame. Used by the rig's SLCAN bus (drivers/transport) and by the twin's
// adapter side (sim/dut). Lines here exclude the terminating `\r`.
#pragma once

#include <string>
#include <string_view>

#include "drivers/transport/can_bus.hpp"
#include "rig/core/status.hpp"

namespace rig::jk::slcan {

// "t0018FF00000000000000" (no `\r`).
std::string encode_frame(const drivers::CanFrame& f);
// Parses a `t` line; `T` (extended), `r`/`R` (remote) and malformed lines are bad_reply.
Result<drivers::CanFrame> decode_frame(std::string_view line);
// "S5" for 250000; invalid_argument for rates outside the S0-S8 table.
Result<std::string> bitrate_command(int bitrate);
// 250000 for "S5".
Result<int> bitrate_of(std::string_view command);

}  // namespace rig::jk::slcan
