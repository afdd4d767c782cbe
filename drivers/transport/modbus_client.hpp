// ModbusClient: one Modbus master connection (TCP, or RTU on any tty including a twin's
// pseudo-terminal) over libmodbus. It sits under the Modbus backends (cell emulator, relay
// board, Riden supply): they speak registers by table and address, this class speaks the
// wire, bounds every call by the instrument's timeout and retries, and turns libmodbus'
// errno into a Status that names the function code, table, address and count:
//   "FC04 input register 100 x24: timeout after 500 ms (2 retries)"
// (the instrument adds its id and address in front).
//
// Error mapping: ETIMEDOUT -> timeout; EMBBADCRC / EMBBADDATA / EMBBADSLAVE -> bad_reply;
// ECONNRESET / EPIPE / ECONNREFUSED / ENOTCONN -> disconnected (the connection is closed
// and re-opened by the next call); Modbus exceptions (EMBXILFUN, EMBXILADD, ...) ->
// device_error. Only timeouts and bad frames are retried (at most `retries` times, input
// flushed first so a late answer cannot be taken for the next one).
//
// Lifecycle: create() parses nothing on the wire; open() connects. Not copyable, not
// thread-safe: its owner (an Instrument) serialises access.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "drivers/model.hpp"
#include "rig/core/clock.hpp"
#include "rig/core/connection.hpp"
#include "rig/core/status.hpp"

typedef struct _modbus modbus_t;  // libmodbus' opaque context

namespace rig::drivers {

class ModbusClient {
public:
    // c.scheme: modbus-tcp (unit id from ?unit=, default 1) or modbus-rtu (?slave=, default 1).
    [[nodiscard]] static Result<std::unique_ptr<ModbusClient>> create(const Connection& c, Duration timeout,
                                                                      int retries);
    ~ModbusClient();
    ModbusClient(const ModbusClient&) = delete;
    ModbusClient& operator=(const ModbusClient&) = delete;

    [[nodiscard]] Status open();
    void close();
    bool is_open() const { return open_; }

    // FC03 (holding) / FC04 (input): `count` 16-bit words from `address`.
    [[nodiscard]] Result<std::vector<std::uint16_t>> read_registers(RegisterTable table, int address, int count);
    // FC01 (coil) / FC02 (discrete).
    [[nodiscard]] Result<std::vector<bool>> read_bits(RegisterTable table, int address, int count);
    [[nodiscard]] Status write_register(int address, std::uint16_t value);              // FC06
    [[nodiscard]] Status write_registers(int address, std::span<const std::uint16_t> values);  // FC16
    [[nodiscard]] Status write_bit(int address, bool on);                                // FC05
    [[nodiscard]] Status write_bits(int address, std::span<const bool> values);          // FC15

    const Connection& connection() const { return conn_; }
    // Requests handed to libmodbus since creation (retries included): lets tests prove that
    // a refused command never reached the wire.
    std::uint64_t requests() const { return requests_; }

private:
    ModbusClient(Connection c, Duration timeout, int retries) : conn_(std::move(c)), timeout_(timeout), retries_(retries) {}
    // `what` builds the request's description ("FC04 input register 100 x24") only when an
    // error needs it: the success path formats nothing.
    template <class What, class Op>
    Status run(What what, Op op);

    Connection conn_;
    Duration timeout_;
    int retries_;
    modbus_t* ctx_{nullptr};
    bool open_{false};
    std::uint64_t requests_{0};
};

}  // namespace rig::drivers
