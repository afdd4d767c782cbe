#include "sim/modbus.hpp"

#include "rig/core/log.hpp"

namespace rig::sim {

namespace {

std::uint16_t be16(std::string_view b, size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]));
}
void put16(std::string& s, unsigned v) {
    s += static_cast<char>((v >> 8) & 0xff);
    s += static_cast<char>(v & 0xff);
}
std::string exception_reply(unsigned char fc, ModbusException e) {
    std::string r;
    r += static_cast<char>(fc | 0x80);
    r += static_cast<char>(e);
    return r;
}

}  // namespace

std::string modbus_answer(ModbusDevice& dev, std::string_view pdu) {
    using drivers::RegisterTable;
    if (pdu.empty()) return {};
    auto fc = static_cast<unsigned char>(pdu[0]);
    auto fail = [&](ModbusException e) { return exception_reply(fc, e); };
    switch (fc) {
        case 0x01:
        case 0x02: {
            if (pdu.size() != 5) return fail(ModbusException::illegal_value);
            int addr = be16(pdu, 1), qty = be16(pdu, 3);
            if (qty < 1 || qty > 2000) return fail(ModbusException::illegal_value);
            std::vector<bool> bits;
            auto e = dev.read_bits(fc == 1 ? RegisterTable::coil : RegisterTable::discrete, addr, qty, bits);
            if (e != ModbusException::none) return fail(e);
            std::string r(1, static_cast<char>(fc));
            int nbytes = (qty + 7) / 8;
            r += static_cast<char>(nbytes);
            std::string data(static_cast<size_t>(nbytes), '\0');
            for (int i = 0; i < qty; ++i)
                if (bits[static_cast<size_t>(i)]) data[static_cast<size_t>(i / 8)] |= static_cast<char>(1 << (i % 8));
            return r + data;
        }
        case 0x03:
        case 0x04: {
            if (pdu.size() != 5) return fail(ModbusException::illegal_value);
            int addr = be16(pdu, 1), qty = be16(pdu, 3);
            if (qty < 1 || qty > 125) return fail(ModbusException::illegal_value);
            std::vector<std::uint16_t> words;
            auto e = dev.read_words(fc == 3 ? RegisterTable::holding : RegisterTable::input, addr, qty, words);
            if (e != ModbusException::none) return fail(e);
            std::string r(1, static_cast<char>(fc));
            r += static_cast<char>(qty * 2);
            for (auto w : words) put16(r, w);
            return r;
        }
        case 0x05: {
            if (pdu.size() != 5) return fail(ModbusException::illegal_value);
            int addr = be16(pdu, 1);
            auto v = be16(pdu, 3);
            ModbusException e;
            if (v == 0xFF00 || v == 0x0000)
                e = dev.write_coils(addr, {v == 0xFF00});
            else
                e = dev.write_coil_special(addr, v);
            if (e != ModbusException::none) return fail(e);
            return std::string(pdu);
        }
        case 0x06: {
            if (pdu.size() != 5) return fail(ModbusException::illegal_value);
            auto e = dev.write_holding(be16(pdu, 1), {be16(pdu, 3)});
            if (e != ModbusException::none) return fail(e);
            return std::string(pdu);
        }
        case 0x0F: {
            if (pdu.size() < 6) return fail(ModbusException::illegal_value);
            int addr = be16(pdu, 1), qty = be16(pdu, 3);
            auto nbytes = static_cast<unsigned char>(pdu[5]);
            if (qty < 1 || qty > 0x7B0 || nbytes != (qty + 7) / 8 || pdu.size() != 6u + nbytes)
                return fail(ModbusException::illegal_value);
            std::vector<bool> bits(static_cast<size_t>(qty));
            for (int i = 0; i < qty; ++i)
                bits[static_cast<size_t>(i)] = (static_cast<unsigned char>(pdu[6 + i / 8]) >> (i % 8)) & 1;
            auto e = dev.write_coils(addr, bits);
            if (e != ModbusException::none) return fail(e);
            return std::string(pdu.substr(0, 5));
        }
        case 0x10: {
            if (pdu.size() < 6) return fail(ModbusException::illegal_value);
            int addr = be16(pdu, 1), qty = be16(pdu, 3);
            auto nbytes = static_cast<unsigned char>(pdu[5]);
            if (qty < 1 || qty > 123 || nbytes != qty * 2 || pdu.size() != 6u + nbytes)
                return fail(ModbusException::illegal_value);
            std::vector<std::uint16_t> words(static_cast<size_t>(qty));
            for (int i = 0; i < qty; ++i) words[static_cast<size_t>(i)] = be16(pdu, 6 + 2 * static_cast<size_t>(i));
            auto e = dev.write_holding(addr, words);
            if (e != ModbusException::none) return fail(e);
            return std::string(pdu.substr(0, 5));
        }
        default:
            return fail(ModbusException::illegal_function);
    }
}

std::uint16_t crc16(std::string_view bytes) {
    std::uint16_t crc = 0xFFFF;
    for (unsigned char c : bytes) {
        crc ^= c;
        for (int i = 0; i < 8; ++i) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : static_cast<std::uint16_t>(crc >> 1);
    }
    return crc;
}

std::string append_crc(std::string frame) {
    auto crc = crc16(frame);
    frame += static_cast<char>(crc & 0xff);
    frame += static_cast<char>(crc >> 8);
    return frame;
}

int rtu_request_length(std::string_view b) {
    if (b.size() < 2) return 0;
    switch (static_cast<unsigned char>(b[1])) {
        case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
            return 8;
        case 0x0F:
        case 0x10:
            if (b.size() < 7) return 0;
            return 9 + static_cast<unsigned char>(b[6]);
        default:
            return -1;
    }
}

// --- Modbus TCP ---

std::optional<std::string> ModbusTcpFraming::take_request(std::string& in) {
    if (in.size() < 7) return std::nullopt;
    auto len = be16(in, 4);
    if (be16(in, 2) != 0 || len < 2 || len > 254) {
        // Not Modbus TCP: a real server would drop the connection; we drop the bytes.
        rig::log::get("sim")->warn("modbus-tcp: bad MBAP header {}, input discarded", hex_bytes(in.substr(0, 7)));
        in.clear();
        return std::nullopt;
    }
    size_t total = 6u + len;
    if (in.size() < total) return std::nullopt;
    std::string req = in.substr(0, total);
    in.erase(0, total);
    return req;
}

std::string ModbusTcpFraming::answer(const std::string& req) {
    device_.on_request();
    auto pdu = modbus_answer(device_, std::string_view(req).substr(7));
    std::string r = req.substr(0, 4);  // transaction id + protocol id
    put16(r, static_cast<unsigned>(pdu.size() + 1));
    r += req[6];
    return r + pdu;
}

std::string ModbusTcpFraming::corrupt(const std::string& reply, std::mt19937_64&) {
    // TCP carries no CRC: damage the transaction id, which a client checks on every reply.
    std::string r = reply;
    r[0] = static_cast<char>(r[0] ^ 0x5A);
    r[1] = static_cast<char>(r[1] ^ 0xA5);
    return r;
}

// --- Modbus RTU ---

std::optional<std::string> ModbusRtuFraming::take_request(std::string& in) {
    int len = rtu_request_length(in);
    if (len <= 0 || in.size() < static_cast<size_t>(len)) return std::nullopt;
    std::string req = in.substr(0, static_cast<size_t>(len));
    in.erase(0, static_cast<size_t>(len));
    return req;
}

std::optional<std::string> ModbusRtuFraming::take_on_silence(std::string& in) {
    std::string frame;
    frame.swap(in);
    if (frame.size() >= 4) return frame;  // answer() checks its CRC
    return std::nullopt;
}

std::chrono::nanoseconds ModbusRtuFraming::silence(int baud) const {
    // 3.5 characters, and 1.75 ms above 19200 baud (Modbus over serial line, 2.5.1.1).
    auto t = wire_time(1, baud > 0 ? baud : 9600) * 7 / 2;
    return baud > 19200 ? std::chrono::nanoseconds(1'750'000) : t;
}

std::string ModbusRtuFraming::answer(const std::string& req) {
    auto log = rig::log::get("sim");
    std::string_view body(req.data(), req.size() - 2);
    auto got = static_cast<std::uint16_t>(static_cast<unsigned char>(req[req.size() - 2]) |
                                          (static_cast<unsigned char>(req[req.size() - 1]) << 8));
    if (crc16(body) != got) {
        log->debug("modbus-rtu: bad CRC in {}, ignored", hex_bytes(req, kAllBytes));
        return {};
    }
    auto addr = static_cast<unsigned char>(req[0]);
    if (addr != slave_ && addr != 0) return {};
    device_.on_request();
    auto pdu = modbus_answer(device_, body.substr(1));
    if (addr == 0) return {};  // broadcast: act, never answer
    return append_crc(std::string(1, static_cast<char>(slave_)) + pdu);
}

std::string ModbusRtuFraming::corrupt(const std::string& reply, std::mt19937_64&) {
    std::string r = reply;
    r.back() = static_cast<char>(r.back() ^ 0xFF);  // a bad CRC, the rest intact
    return r;
}

}  // namespace rig::sim
