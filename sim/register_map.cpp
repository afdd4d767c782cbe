#include "sim/register_map.hpp"

#include <algorithm>
#include <cmath>

namespace rig::sim {

using drivers::RegisterDef;
using drivers::RegisterTable;
using drivers::RegisterType;

RegisterMap::RegisterMap(std::vector<RegisterDef> rows) : rows_(std::move(rows)) {
    get_.resize(rows_.size());
    set_.resize(rows_.size());
    for (size_t r = 0; r < rows_.size(); ++r) {
        auto& d = rows_[r];
        int n = d.channels > 0 ? d.channels : 1;
        for (int c = 0; c < n; ++c)
            for (int w = 0; w < d.words(); ++w) {
                int ch = d.channels > 0 ? c + 1 : 0;
                int addr = (d.channels > 0 ? d.address_of(ch) : d.address) + w;
                slots_[{static_cast<int>(d.table), addr}] = Slot{static_cast<int>(r), ch, w};
            }
    }
}

Status RegisterMap::bind(const std::string& name, Getter get, Setter set) {
    for (size_t r = 0; r < rows_.size(); ++r)
        if (rows_[r].name == name) {
            if (rows_[r].writable && !set)
                return Status(Code::not_supported, "register row \"" + name + "\" is writable but has no setter");
            get_[r] = std::move(get);
            set_[r] = std::move(set);
            return Status::ok();
        }
    return Status(Code::not_supported, "no register row \"" + name + "\"");
}

Status RegisterMap::check_bound() const {
    std::string missing;
    for (size_t r = 0; r < rows_.size(); ++r)
        if (!get_[r]) missing += (missing.empty() ? "" : ", ") + rows_[r].name;
    if (!missing.empty()) return Status(Code::not_supported, "register rows the twin does not serve: " + missing);
    return Status::ok();
}

const RegisterDef* RegisterMap::row(const std::string& name) const {
    for (auto& d : rows_)
        if (d.name == name) return &d;
    return nullptr;
}

const RegisterMap::Slot* RegisterMap::find(RegisterTable table, int address) const {
    auto it = slots_.find({static_cast<int>(table), address});
    return it == slots_.end() ? nullptr : &it->second;
}

std::uint32_t RegisterMap::raw_of(int row, int channel) const {
    auto& d = rows_[static_cast<size_t>(row)];
    double v = get_[static_cast<size_t>(row)] ? get_[static_cast<size_t>(row)](channel) : 0.0;
    if (d.type == RegisterType::bit) return v != 0.0 ? 1u : 0u;
    double raw = std::round(v / d.scale);
    switch (d.type) {
        case RegisterType::u16: return static_cast<std::uint32_t>(std::clamp(raw, 0.0, 65535.0));
        case RegisterType::i16:
            return static_cast<std::uint16_t>(static_cast<std::int16_t>(std::clamp(raw, -32768.0, 32767.0)));
        case RegisterType::u32: return static_cast<std::uint32_t>(std::clamp(raw, 0.0, 4294967295.0));
        case RegisterType::i32:
            return static_cast<std::uint32_t>(static_cast<std::int32_t>(std::clamp(raw, -2147483648.0, 2147483647.0)));
        case RegisterType::bit: break;
    }
    return 0;
}

ModbusException RegisterMap::read_bits(RegisterTable table, int address, int count, std::vector<bool>& out) {
    out.clear();
    for (int a = address; a < address + count; ++a) {
        auto* s = find(table, a);
        if (!s || !rows_[static_cast<size_t>(s->row)].readable) return ModbusException::illegal_address;
        out.push_back(raw_of(s->row, s->channel) != 0);
    }
    return ModbusException::none;
}

ModbusException RegisterMap::read_words(RegisterTable table, int address, int count, std::vector<std::uint16_t>& out) {
    out.clear();
    for (int a = address; a < address + count; ++a) {
        auto* s = find(table, a);
        if (!s || !rows_[static_cast<size_t>(s->row)].readable) return ModbusException::illegal_address;
        auto raw = raw_of(s->row, s->channel);
        bool wide = rows_[static_cast<size_t>(s->row)].words() == 2;
        out.push_back(static_cast<std::uint16_t>(wide && s->word == 0 ? raw >> 16 : raw & 0xffff));
    }
    return ModbusException::none;
}

ModbusException RegisterMap::write_coils(int address, const std::vector<bool>& values) {
    for (int i = 0; i < static_cast<int>(values.size()); ++i) {
        auto* s = find(RegisterTable::coil, address + i);
        if (!s) {
            if (special_ && values.size() == 1) return special_(address, values[0] ? 0xFF00 : 0x0000);
            return ModbusException::illegal_address;
        }
        if (!rows_[static_cast<size_t>(s->row)].writable) return ModbusException::illegal_address;
    }
    for (int i = 0; i < static_cast<int>(values.size()); ++i) {
        auto* s = find(RegisterTable::coil, address + i);
        auto e = set_[static_cast<size_t>(s->row)](s->channel, values[static_cast<size_t>(i)] ? 1.0 : 0.0);
        if (e != ModbusException::none) return e;
    }
    return ModbusException::none;
}

ModbusException RegisterMap::write_coil_special(int address, std::uint16_t value) {
    if (!special_) return ModbusException::illegal_value;
    return special_(address, value);
}

ModbusException RegisterMap::write_holding(int address, const std::vector<std::uint16_t>& values) {
    int end = address + static_cast<int>(values.size());
    // Check the whole request first: unknown, read-only or half-written 32-bit registers.
    for (int a = address; a < end; ++a) {
        auto* s = find(RegisterTable::holding, a);
        if (!s || !rows_[static_cast<size_t>(s->row)].writable) return ModbusException::illegal_address;
        if (rows_[static_cast<size_t>(s->row)].words() == 2) {
            if (s->word == 1 ? a == address : a + 1 >= end) return ModbusException::illegal_address;
        }
    }
    for (int a = address; a < end; ++a) {
        auto* s = find(RegisterTable::holding, a);
        auto& d = rows_[static_cast<size_t>(s->row)];
        std::uint32_t raw = values[static_cast<size_t>(a - address)];
        if (d.words() == 2) {
            raw = (raw << 16) | values[static_cast<size_t>(a - address + 1)];
            ++a;
        }
        double v = 0.0;
        switch (d.type) {
            case RegisterType::u16:
            case RegisterType::u32:
            case RegisterType::bit: v = static_cast<double>(raw); break;
            case RegisterType::i16: v = static_cast<double>(static_cast<std::int16_t>(raw)); break;
            case RegisterType::i32: v = static_cast<double>(static_cast<std::int32_t>(raw)); break;
        }
        auto e = set_[static_cast<size_t>(s->row)](s->channel, v * d.scale);
        if (e != ModbusException::none) return e;
    }
    return ModbusException::none;
}

}  // namespace rig::sim
