#include "sim/settings.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace rig::sim {

namespace {
std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}
std::string fmt_num(double v) { return fmt::format("{}", v); }
}  // namespace

Result<double> parse_number(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    double v = 0.0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
        return Status(Code::invalid_argument, "expected a number, got \"" + std::string(text) + "\"");
    return v;
}

Result<bool> parse_bool(std::string_view text) {
    auto t = lower(text);
    if (t == "true" || t == "1" || t == "on" || t == "yes") return true;
    if (t == "false" || t == "0" || t == "off" || t == "no") return false;
    return Status(Code::invalid_argument, "expected true or false, got \"" + std::string(text) + "\"");
}

void SettingTable::add_bool(std::string name, bool* target, bool def, std::string help,
                            std::function<void()> on_change) {
    *target = def;
    Entry e;
    e.info = {name, def ? "true" : "false", "", std::move(help)};
    e.set = [target, on_change](int, bool, std::string_view v) -> Status {
        auto b = parse_bool(v);
        if (!b) return b.status();
        *target = *b;
        if (on_change) on_change();
        return Status::ok();
    };
    e.reset = [target, def] { *target = def; };
    entries_.push_back(std::move(e));
}

void SettingTable::add_number(std::string name, double* target, double def, std::string unit, std::string help,
                              double min, double max, std::function<void()> on_change) {
    *target = def;
    Entry e;
    e.info = {name, fmt_num(def), std::move(unit), std::move(help)};
    e.set = [target, min, max, on_change](int, bool, std::string_view v) -> Status {
        auto n = parse_number(v);
        if (!n) return n.status();
        if (*n < min || *n > max)
            return Status(Code::invalid_argument, fmt::format("{} is outside {} to {}", *n, min, max));
        *target = *n;
        if (on_change) on_change();
        return Status::ok();
    };
    e.reset = [target, def] { *target = def; };
    entries_.push_back(std::move(e));
}

void SettingTable::add_text(std::string name, std::string* target, std::string def, std::string help,
                            std::function<void()> on_change) {
    *target = def;
    Entry e;
    e.info = {name, def, "", std::move(help)};
    e.set = [target, on_change](int, bool, std::string_view v) -> Status {
        *target = std::string(v);
        if (on_change) on_change();
        return Status::ok();
    };
    e.reset = [target, def] { *target = def; };
    entries_.push_back(std::move(e));
}

void SettingTable::add_bool_indexed(std::string name, std::vector<bool>* target, int first,
                                    std::vector<bool> defs, std::string help, std::function<void(int)> on_change) {
    *target = defs;
    Entry e;
    e.indexed = true;
    e.info = {name + ".N", "false", "", fmt::format("{} (N = {}..{})", help, first,
                                                    first + static_cast<int>(defs.size()) - 1)};
    e.set = [target, first, on_change](int idx, bool has, std::string_view v) -> Status {
        if (!has) {  // NAME=VALUE without an index sets every element
            auto b = parse_bool(v);
            if (!b) return b.status();
            for (size_t i = 0; i < target->size(); ++i) {
                (*target)[i] = *b;
                if (on_change) on_change(first + static_cast<int>(i));
            }
            return Status::ok();
        }
        if (idx < first || idx >= first + static_cast<int>(target->size()))
            return Status(Code::invalid_argument, fmt::format("index {} is outside {}..{}", idx, first,
                                                              first + static_cast<int>(target->size()) - 1));
        auto b = parse_bool(v);
        if (!b) return b.status();
        (*target)[static_cast<size_t>(idx - first)] = *b;
        if (on_change) on_change(idx);
        return Status::ok();
    };
    e.reset = [target, defs] { *target = defs; };
    entries_.push_back(std::move(e));
}

void SettingTable::add_number_indexed(std::string name, std::vector<double>* target, int first, double def,
                                      std::string unit, std::string help, double min, double max,
                                      std::function<void(int)> on_change) {
    std::fill(target->begin(), target->end(), def);
    Entry e;
    e.indexed = true;
    e.info = {name + ".N", fmt_num(def), std::move(unit),
              fmt::format("{} (N = {}..{})", help, first, first + static_cast<int>(target->size()) - 1)};
    e.set = [target, first, min, max, on_change](int idx, bool has, std::string_view v) -> Status {
        auto n = parse_number(v);
        if (!n) return n.status();
        if (*n < min || *n > max)
            return Status(Code::invalid_argument, fmt::format("{} is outside {} to {}", *n, min, max));
        if (!has) {
            for (size_t i = 0; i < target->size(); ++i) {
                (*target)[i] = *n;
                if (on_change) on_change(first + static_cast<int>(i));
            }
            return Status::ok();
        }
        if (idx < first || idx >= first + static_cast<int>(target->size()))
            return Status(Code::invalid_argument, fmt::format("index {} is outside {}..{}", idx, first,
                                                              first + static_cast<int>(target->size()) - 1));
        (*target)[static_cast<size_t>(idx - first)] = *n;
        if (on_change) on_change(idx);
        return Status::ok();
    };
    e.reset = [target, def] { std::fill(target->begin(), target->end(), def); };
    entries_.push_back(std::move(e));
}

bool SettingTable::knows(std::string_view name) const {
    auto dot = name.find('.');
    auto base = name.substr(0, dot);
    for (auto& e : entries_) {
        std::string_view n = e.info.name;
        if (e.indexed) n.remove_suffix(2);
        if (n == (e.indexed ? base : name)) return true;
    }
    return false;
}

Status SettingTable::set(std::string_view name, std::string_view value) {
    auto dot = name.find('.');
    auto base = name.substr(0, dot);
    for (auto& e : entries_) {
        std::string_view n = e.info.name;
        if (e.indexed) {
            n.remove_suffix(2);
            if (n != base) continue;
            int idx = 0;
            bool has = dot != std::string_view::npos;
            if (has) {
                auto s = name.substr(dot + 1);
                auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), idx);
                if (ec != std::errc() || p != s.data() + s.size())
                    return Status(Code::invalid_argument, "setting " + std::string(name) + ": index \"" +
                                                              std::string(s) + "\" is not a number");
            }
            auto st = e.set(idx, has, value);
            if (!st) return st.with_context("setting " + std::string(name));
            return st;
        }
        if (n != name) continue;
        auto st = e.set(0, false, value);
        if (!st) return st.with_context("setting " + std::string(name));
        return st;
    }
    return Status(Code::invalid_argument, "unknown setting \"" + std::string(name) + "\" (known: " + known_names() + ")");
}

void SettingTable::reset() {
    for (auto& e : entries_) e.reset();
}

std::vector<SettingInfo> SettingTable::infos() const {
    std::vector<SettingInfo> v;
    for (auto& e : entries_) v.push_back(e.info);
    return v;
}

std::string SettingTable::known_names() const {
    std::string s;
    for (auto& e : entries_) s += (s.empty() ? "" : ", ") + e.info.name;
    return s;
}

void Faults::add_to(SettingTable& t, const std::function<void()>& on_change, Set which) {
    t.add_bool("no_reply", &no_reply, false, "fault: requests are read and never answered", on_change);
    t.add_number("delay_ms", &delay_ms, 0.0, "ms", "fault: every reply is held back this long (real time)", 0.0,
                 600'000.0, on_change);
    t.add_number("corrupt_pct", &corrupt_pct, 0.0, "%",
                 "fault: this share of replies get a bad CRC (Modbus) or a garbage line (SCPI)", 0.0, 100.0,
                 on_change);
    t.add_number("disconnect_after_s", &disconnect_after_s, 0.0, "s",
                 "fault: connections are dropped this long (sim time) after they open; a serial line goes "
                 "silent; 0 = never",
                 0.0, 1e9, on_change);
    if (which == Set::all)
        t.add_bool("stuck_output", &stuck_output, false,
                   "fault: outputs stay as they were when set; setpoints are acknowledged and read back", on_change);
}

}  // namespace rig::sim
