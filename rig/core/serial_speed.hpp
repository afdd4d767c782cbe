// The termios speed constant for a baud rate: the one table both sides of a serial line
// use (the rig's serial port and the virtual bench's pseudo-terminals).
#pragma once

#include <termios.h>

namespace rig {

// B9600 for 9600 etc.; B0 when `baud` is not a standard termios rate.
speed_t termios_speed(int baud);

}  // namespace rig
