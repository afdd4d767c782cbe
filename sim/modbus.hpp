// Modbus server core of the twins, hand-written on purpose (a twin must be able to corrupt
// a CRC, delay or drop a reply, which a library server cannot): the PDU handler for function
// codes 01 02 03 04 05 06 0F 10 with exception replies 01 (illegal function), 02 (illegal
// data address) and 03 (illegal data value), and its two framings as FrameProtocols for an
// Endpoint (sim/endpoint.hpp):
//   ModbusTcpFraming  MBAP header (transaction id, protocol 0, length, unit id) + PDU
//   ModbusRtuFraming  slave address + PDU + CRC16 (low byte first); a request ends at its
//                     known length, or at 3.5 characters of silence for function codes the
//                     length is not known for; other slaves' frames and bad CRCs get no reply
// A twin implements ModbusDevice (usually through RegisterMap, sim/register_map.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/model.hpp"
#include "sim/endpoint.hpp"

namespace rig::sim {

enum class ModbusException : std::uint8_t {
    none = 0,
    illegal_function = 1,
    illegal_address = 2,
    illegal_value = 3,
    device_failure = 4,
};

class ModbusDevice {
public:
    virtual ~ModbusDevice() = default;
    // table: coil (FC01) or discrete (FC02).
    virtual ModbusException read_bits(drivers::RegisterTable table, int address, int count, std::vector<bool>& out) = 0;
    // table: holding (FC03) or input (FC04).
    virtual ModbusException read_words(drivers::RegisterTable table, int address, int count,
                                       std::vector<std::uint16_t>& out) = 0;
    virtual ModbusException write_coils(int address, const std::vector<bool>& values) = 0;
    virtual ModbusException write_holding(int address, const std::vector<std::uint16_t>& values) = 0;
    // FC05 with a value other than FF00/0000 (Waveshare: 5500 toggles). Default: illegal value.
    virtual ModbusException write_coil_special(int /*address*/, std::uint16_t /*value*/) {
        return ModbusException::illegal_value;
    }
    // Every request addressed to this device, before it is handled (communication watchdogs).
    virtual void on_request() {}
};

// The reply PDU (function code + data) to a request PDU; an exception reply on error.
std::string modbus_answer(ModbusDevice& device, std::string_view request_pdu);

// CRC-16/MODBUS of `bytes`; frames carry it low byte first.
std::uint16_t crc16(std::string_view bytes);
std::string append_crc(std::string frame);
// Length of the RTU request at the front of `buf`: > 0 known, 0 need more bytes, -1 unknown
// function code (the frame ends at silence).
int rtu_request_length(std::string_view buf);

class ModbusTcpFraming final : public FrameProtocol {
public:
    explicit ModbusTcpFraming(ModbusDevice& device) : device_(device) {}
    std::optional<std::string> take_request(std::string& in) override;
    std::string answer(const std::string& request) override;
    std::string corrupt(const std::string& reply, std::mt19937_64& rng) override;
    bool binary() const override { return true; }

private:
    ModbusDevice& device_;
};

class ModbusRtuFraming final : public FrameProtocol {
public:
    ModbusRtuFraming(ModbusDevice& device, int slave) : device_(device), slave_(slave) {}
    std::optional<std::string> take_request(std::string& in) override;
    std::optional<std::string> take_on_silence(std::string& in) override;
    std::chrono::nanoseconds silence(int baud) const override;
    std::string answer(const std::string& request) override;
    std::string corrupt(const std::string& reply, std::mt19937_64& rng) override;
    bool binary() const override { return true; }
    void set_slave(int slave) { slave_ = slave; }

private:
    ModbusDevice& device_;
    int slave_;
};

}  // namespace rig::sim
