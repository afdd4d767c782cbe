// Connection strings: the wire decides what is on the other end (never an `if (sim)`).
//
//   modbus-tcp://HOST:PORT[?unit=N]              Modbus TCP (unit id, default 1)
//   modbus-rtu:DEVICE[:BAUD[:8N1]][?slave=N]      Modbus RTU on any tty (default 9600 8N1, slave 1)
//   scpi-tcp://HOST:PORT                         SCPI lines over a raw TCP socket (5025 by convention)
//   scpi-serial:DEVICE[:BAUD[:8N1]]              SCPI lines over a serial port
//   tcp://HOST:PORT                              a raw TCP byte stream (ASCII command sets)
//   serial:DEVICE[:BAUD[:8N1]]                   a plain serial port for byte protocols
//   slcan:DEVICE[:BAUD][?bitrate=250000]         CAN through a Lawicel/SLCAN adapter
//   socketcan:IFACE[?bitrate=250000]             CAN through Linux SocketCAN (can0, vcan0)
//   gpio:CHIP                                    libgpiod chip (gpiochip0 or a path)
//   simctl-tcp://HOST:PORT                       the virtual bench's control port (time, settings)
//
// In a fixture read by the virtual bench, DEVICE `pty` means "create a pseudo-terminal" and
// PORT 0 means "bind a free port"; the resolved fixture then holds the real addresses.
// Extra query parameters are kept in `params` for the driver that knows them.
#pragma once

#include <map>
#include <string>

#include "rig/core/status.hpp"

namespace rig {

struct Connection {
    std::string scheme;  // "modbus-tcp", "modbus-rtu", "scpi-tcp", ...
    std::string host;    // TCP schemes
    int port{0};         // TCP schemes
    std::string device;  // serial schemes: "/dev/ttyUSB0", "pty"; socketcan: "vcan0"; gpio: chip
    int baud{0};         // serial schemes (0: the scheme's default)
    int data_bits{8};
    char parity{'N'};    // 'N', 'E', 'O'
    int stop_bits{1};
    std::map<std::string, std::string> params;

    bool is_tcp() const { return !host.empty(); }
    bool is_serial() const { return !device.empty() && host.empty(); }
    int param_int(const std::string& key, int fallback) const;
    // Canonical text, parseable again: used in resolved fixtures and error messages.
    std::string str() const;
};

// Parses and validates a connection string; errors say which part is wrong.
Result<Connection> parse_connection(std::string_view text);

}  // namespace rig
