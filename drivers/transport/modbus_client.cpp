#include "drivers/transport/modbus_client.hpp"

#include <modbus/modbus.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace rig::drivers {
namespace {

enum class Kind { timeout, bad_frame, disconnected, exception, other };

Kind classify(int err) {
    switch (err) {
        case ETIMEDOUT: return Kind::timeout;
        case EMBBADCRC:
        case EMBBADDATA:
        case EMBBADSLAVE:
        case EMBBADEXC:
        case EMBUNKEXC: return Kind::bad_frame;
        case ECONNRESET:
        case EPIPE:
        case ECONNREFUSED:
        case ENOTCONN:
        case EBADF:
        case EIO:
        case ENXIO: return Kind::disconnected;
        default: break;
    }
    if (err >= EMBXILFUN && err <= EMBXGTAR) return Kind::exception;
    return Kind::other;
}

long long ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

std::string retries_text(int n) {
    if (n == 0) return "(no retries)";
    return "(" + std::to_string(n) + (n == 1 ? " retry)" : " retries)");
}

std::string table_word(RegisterTable t) {
    switch (t) {
        case RegisterTable::holding: return "FC03 holding register";
        case RegisterTable::input: return "FC04 input register";
        case RegisterTable::coil: return "FC01 coil";
        case RegisterTable::discrete: return "FC02 discrete input";
    }
    return "?";
}

}  // namespace

Result<std::unique_ptr<ModbusClient>> ModbusClient::create(const Connection& c, Duration timeout, int retries) {
    if (c.scheme != "modbus-tcp" && c.scheme != "modbus-rtu")
        return Status(Code::invalid_argument, "a Modbus instrument needs a modbus-tcp:// or modbus-rtu: connection, got \"" +
                                                  c.str() + "\"");
    if (c.scheme == "modbus-rtu" && c.device == "pty")
        return Status(Code::invalid_argument, "modbus-rtu:pty is only meaningful to the virtual bench; use the resolved fixture");
    return std::unique_ptr<ModbusClient>(new ModbusClient(c, timeout, retries));
}

ModbusClient::~ModbusClient() {
    close();
    if (ctx_) modbus_free(ctx_);
}

Status ModbusClient::open() {
    if (open_) return Status::ok();
    if (!ctx_) {
        if (conn_.scheme == "modbus-tcp") {
            auto port = std::to_string(conn_.port);
            ctx_ = modbus_new_tcp_pi(conn_.host.c_str(), port.c_str());
        } else {
            ctx_ = modbus_new_rtu(conn_.device.c_str(), conn_.baud, conn_.parity, conn_.data_bits, conn_.stop_bits);
        }
        if (!ctx_) return Status(Code::io_error, std::string("cannot create a Modbus context: ") + std::strerror(errno));
        int unit = conn_.scheme == "modbus-tcp" ? conn_.param_int("unit", 1) : conn_.param_int("slave", 1);
        if (modbus_set_slave(ctx_, unit) != 0)
            return Status(Code::invalid_argument, "bad Modbus unit/slave id " + std::to_string(unit));
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count();
        auto sec = static_cast<std::uint32_t>(us / 1000000);
        auto usec = static_cast<std::uint32_t>(us % 1000000);
        modbus_set_response_timeout(ctx_, sec, usec);
        modbus_set_byte_timeout(ctx_, sec, usec);
        // We recover ourselves (bounded retries, reconnect on the next call): libmodbus'
        // own recovery sleeps and reconnects inside the call, unbounded.
        modbus_set_error_recovery(ctx_, MODBUS_ERROR_RECOVERY_NONE);
    }
    if (modbus_connect(ctx_) != 0) {
        int err = errno;
        Code code = err == ENOENT || err == EACCES ? Code::io_error : Code::disconnected;
        return Status(code, std::string("cannot connect: ") + modbus_strerror(err));
    }
    open_ = true;
    return Status::ok();
}

void ModbusClient::close() {
    if (ctx_ && open_) modbus_close(ctx_);
    open_ = false;
}

template <class What, class Op>
Status ModbusClient::run(What what, Op op) {
    int err = 0;
    int attempt = 0;
    for (;; ++attempt) {
        if (!open_) {
            auto s = open();
            if (!s) return s.with_context(what());
        }
        ++requests_;
        if (op(ctx_) >= 0) return Status::ok();
        err = errno;
        auto kind = classify(err);
        if (kind == Kind::disconnected) {
            close();
            return Status(Code::disconnected, what() + ": connection lost (" + modbus_strerror(err) +
                                                  "); it is re-opened on the next call");
        }
        bool retryable = kind == Kind::timeout || kind == Kind::bad_frame;
        if (!retryable || attempt >= retries_) break;
        // A late or mangled answer must not be taken for the next one.
        modbus_flush(ctx_);
    }
    switch (classify(err)) {
        case Kind::timeout:
            modbus_flush(ctx_);
            return Status(Code::timeout, what() + ": timeout after " + std::to_string(ms(timeout_)) + " ms " +
                                             retries_text(attempt));
        case Kind::bad_frame:
            modbus_flush(ctx_);
            return Status(Code::bad_reply, what() + ": bad reply (" + modbus_strerror(err) + ") " + retries_text(attempt));
        case Kind::exception:
            return Status(Code::device_error, what() + ": device exception: " + modbus_strerror(err));
        default:
            return Status(err == EMBMDATA ? Code::invalid_argument : Code::io_error, what() + ": " + modbus_strerror(err));
    }
}

Result<std::vector<std::uint16_t>> ModbusClient::read_registers(RegisterTable table, int address, int count) {
    if (table != RegisterTable::holding && table != RegisterTable::input)
        return Status(Code::invalid_argument, "read_registers on a bit table");
    std::vector<std::uint16_t> out(static_cast<size_t>(count));
    auto what = [&] { return table_word(table) + " " + std::to_string(address) + " x" + std::to_string(count); };
    auto s = run(what, [&](modbus_t* ctx) {
        int rc = table == RegisterTable::holding ? modbus_read_registers(ctx, address, count, out.data())
                                                 : modbus_read_input_registers(ctx, address, count, out.data());
        if (rc >= 0 && rc != count) {
            errno = EMBBADDATA;
            return -1;
        }
        return rc;
    });
    if (!s) return s;
    return out;
}

Result<std::vector<bool>> ModbusClient::read_bits(RegisterTable table, int address, int count) {
    if (table != RegisterTable::coil && table != RegisterTable::discrete)
        return Status(Code::invalid_argument, "read_bits on a register table");
    std::vector<std::uint8_t> raw(static_cast<size_t>(count));
    auto what = [&] { return table_word(table) + " " + std::to_string(address) + " x" + std::to_string(count); };
    auto s = run(what, [&](modbus_t* ctx) {
        int rc = table == RegisterTable::coil ? modbus_read_bits(ctx, address, count, raw.data())
                                              : modbus_read_input_bits(ctx, address, count, raw.data());
        if (rc >= 0 && rc != count) {
            errno = EMBBADDATA;
            return -1;
        }
        return rc;
    });
    if (!s) return s;
    return std::vector<bool>(raw.begin(), raw.end());
}

Status ModbusClient::write_register(int address, std::uint16_t value) {
    return run([&] { return "FC06 holding register " + std::to_string(address) + " = " + std::to_string(value); },
               [&](modbus_t* ctx) { return modbus_write_register(ctx, address, value); });
}

Status ModbusClient::write_registers(int address, std::span<const std::uint16_t> values) {
    return run([&] { return "FC16 holding register " + std::to_string(address) + " x" + std::to_string(values.size()); },
               [&](modbus_t* ctx) {
                   return modbus_write_registers(ctx, address, static_cast<int>(values.size()), values.data());
               });
}

Status ModbusClient::write_bit(int address, bool on) {
    return run([&] { return "FC05 coil " + std::to_string(address) + (on ? " = on" : " = off"); },
               [&](modbus_t* ctx) { return modbus_write_bit(ctx, address, on ? 1 : 0); });
}

Status ModbusClient::write_bits(int address, std::span<const bool> values) {
    std::vector<std::uint8_t> raw(values.begin(), values.end());
    return run([&] { return "FC15 coil " + std::to_string(address) + " x" + std::to_string(values.size()); },
               [&](modbus_t* ctx) {
        return modbus_write_bits(ctx, address, static_cast<int>(raw.size()), raw.data());
    });
}

}  // namespace rig::drivers
