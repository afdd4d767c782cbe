// What the backends share: register encoding, batched channel reads and writes, identity
// text, command numbers (backends.hpp).
#include <algorithm>
#include <charconv>
#include <cmath>

#include "drivers/backends/backends.hpp"

namespace rig::drivers {
namespace {

const char* type_name(RegisterType t) {
    switch (t) {
        case RegisterType::u16: return "u16";
        case RegisterType::i16: return "i16";
        case RegisterType::u32: return "u32";
        case RegisterType::i32: return "i32";
        case RegisterType::bit: return "bit";
    }
    return "?";
}

bool is_bit_table(RegisterTable t) { return t == RegisterTable::coil || t == RegisterTable::discrete; }

}  // namespace

Result<std::vector<std::uint16_t>> encode_register(const RegisterDef& r, double si) {
    double raw = std::round(si / r.scale);
    double lo = 0, hi = 0;
    switch (r.type) {
        case RegisterType::u16: hi = 65535; break;
        case RegisterType::i16: lo = -32768; hi = 32767; break;
        case RegisterType::u32: hi = 4294967295.0; break;
        case RegisterType::i32: lo = -2147483648.0; hi = 2147483647.0; break;
        case RegisterType::bit: hi = 1; break;
    }
    if (!std::isfinite(raw) || raw < lo || raw > hi)
        return Status(Code::invalid_argument, command_number(si) + " " + std::string(symbol(r.unit)) +
                                                  " does not fit register " + r.name + " (" + type_name(r.type) +
                                                  ", scale " + command_number(r.scale) + ")");
    auto v = static_cast<std::int64_t>(raw);
    if (r.words() == 1) return std::vector<std::uint16_t>{static_cast<std::uint16_t>(v & 0xFFFF)};
    auto u = static_cast<std::uint32_t>(v);
    return std::vector<std::uint16_t>{static_cast<std::uint16_t>(u >> 16), static_cast<std::uint16_t>(u & 0xFFFF)};
}

double decode_register(const RegisterDef& r, std::span<const std::uint16_t> w) {
    double raw = 0;
    switch (r.type) {
        case RegisterType::u16:
        case RegisterType::bit: raw = w[0]; break;
        case RegisterType::i16: raw = static_cast<std::int16_t>(w[0]); break;
        case RegisterType::u32: raw = (std::uint32_t{w[0]} << 16) | w[1]; break;
        case RegisterType::i32: raw = static_cast<std::int32_t>((std::uint32_t{w[0]} << 16) | w[1]); break;
    }
    return raw * r.scale;
}

Result<const RegisterDef*> need_register(const ModelFile& m, std::string_view name) {
    if (auto* r = m.reg(name)) return r;
    return Status(Code::not_supported, "model " + m.name + " (" + m.file + ") has no register \"" + std::string(name) + "\"");
}

Result<const std::string*> need_command(const ModelFile& m, std::string_view role) {
    if (auto* c = m.command(role)) return c;
    return Status(Code::not_supported, "model " + m.name + " (" + m.file + ") has no command \"" + std::string(role) + "\"");
}

Result<std::vector<double>> read_channels(ModbusClient& bus, const RegisterDef& r, std::span<const int> channels) {
    std::vector<double> out(channels.size());
    if (channels.empty()) return out;
    bool bits = is_bit_table(r.table);
    const int max_units = bits ? 2000 : 125;
    // Sorted unique channels, cut into runs whose span fits one request.
    std::vector<int> sorted(channels.begin(), channels.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<double> by_channel(static_cast<size_t>(sorted.back() + 1));
    size_t i = 0;
    while (i < sorted.size()) {
        int first = r.channels ? r.address_of(sorted[i]) : r.address;
        size_t j = i;
        while (j + 1 < sorted.size() && r.address_of(sorted[j + 1]) + r.words() - first <= max_units) ++j;
        int count = (r.channels ? r.address_of(sorted[j]) : r.address) + r.words() - first;
        if (bits) {
            auto v = bus.read_bits(r.table, first, count);
            if (!v) return v.status();
            for (size_t k = i; k <= j; ++k)
                by_channel[static_cast<size_t>(sorted[k])] = (*v)[static_cast<size_t>(r.address_of(sorted[k]) - first)] ? 1.0 : 0.0;
        } else {
            auto v = bus.read_registers(r.table, first, count);
            if (!v) return v.status();
            for (size_t k = i; k <= j; ++k) {
                auto off = static_cast<size_t>(r.address_of(sorted[k]) - first);
                by_channel[static_cast<size_t>(sorted[k])] =
                    decode_register(r, std::span<const std::uint16_t>(v->data() + off, static_cast<size_t>(r.words())));
            }
        }
        i = j + 1;
    }
    for (size_t k = 0; k < channels.size(); ++k) out[k] = by_channel[static_cast<size_t>(channels[k])];
    return out;
}

Status write_channels(ModbusClient& bus, const RegisterDef& r, std::span<const std::pair<int, double>> values) {
    if (!r.writable) return Status(Code::not_supported, "register " + r.name + " is read-only");
    bool bits = r.table == RegisterTable::coil;
    if (!bits && r.table != RegisterTable::holding)
        return Status(Code::not_supported, "register " + r.name + " is not in a writable table");
    // Encode everything first: nothing goes out if one value does not fit.
    std::vector<std::pair<int, std::vector<std::uint16_t>>> enc;
    for (auto& [ch, v] : values) {
        if (bits) {
            enc.push_back({ch, {static_cast<std::uint16_t>(v != 0.0)}});
            continue;
        }
        auto w = encode_register(r, v);
        if (!w) return w.status();
        enc.push_back({ch, std::move(*w)});
    }
    std::sort(enc.begin(), enc.end(), [](auto& a, auto& b) { return a.first < b.first; });
    const size_t max_units = bits ? 1968 : 123;
    size_t i = 0;
    while (i < enc.size()) {
        // Extend the run while the next channel's register follows without a gap.
        size_t j = i;
        size_t units = enc[i].second.size();
        while (j + 1 < enc.size() && r.channels &&
               r.address_of(enc[j + 1].first) == r.address_of(enc[j].first) + r.words() &&
               units + enc[j + 1].second.size() <= max_units) {
            ++j;
            units += enc[j].second.size();
        }
        int addr = r.channels ? r.address_of(enc[i].first) : r.address;
        if (bits) {
            if (i == j) {
                RIG_TRY(bus.write_bit(addr, enc[i].second[0] != 0));
            } else {
                size_t n = j - i + 1;
                auto arr = std::make_unique<bool[]>(n);  // vector<bool> has no contiguous storage
                for (size_t k = 0; k < n; ++k) arr[k] = enc[i + k].second[0] != 0;
                RIG_TRY(bus.write_bits(addr, std::span<const bool>(arr.get(), n)));
            }
        } else if (i == j && r.words() == 1) {
            RIG_TRY(bus.write_register(addr, enc[i].second[0]));
        } else {
            std::vector<std::uint16_t> words;
            for (size_t k = i; k <= j; ++k) words.insert(words.end(), enc[k].second.begin(), enc[k].second.end());
            RIG_TRY(bus.write_registers(addr, words));
        }
        i = j + 1;
    }
    return Status::ok();
}

Identity parse_idn(const std::string& reply) {
    Identity id;
    id.raw = reply;
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        auto comma = reply.find(',', start);
        auto part = reply.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!part.empty() && part.front() == ' ') part.erase(0, 1);
        while (!part.empty() && (part.back() == ' ' || part.back() == '\r')) part.pop_back();
        parts.push_back(part);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (parts.size() > 0) id.manufacturer = parts[0];
    if (parts.size() > 1) id.model = parts[1];
    if (parts.size() > 2) id.serial = parts[2];
    if (parts.size() > 3) id.firmware = parts[3];
    return id;
}

Status check_identity_text(const ModelFile& m, const Identity& id) {
    if (m.identity_match.empty() || id.raw.find(m.identity_match) != std::string::npos) return Status::ok();
    return Status(Code::identity_mismatch, "identity " + quote_text(id.raw) + " is not model " + m.name +
                                               " (expected it to contain \"" + m.identity_match + "\", " + m.file + ")");
}

std::string command_number(double v) {
    double r = std::round(v * 1e6) / 1e6;
    if (r == 0) r = 0;  // no "-0"
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, r);
    return ec == std::errc() ? std::string(buf, p) : std::string("nan");
}

std::string channel_list(std::span<const int> channels) {
    std::string s;
    for (int c : channels) s += (s.empty() ? "" : ",") + std::to_string(c);
    return s;
}

}  // namespace rig::drivers
