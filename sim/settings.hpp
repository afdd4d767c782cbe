// SettingTable: a twin's named, typed, documented knobs (settings and faults) in one table,
// so every twin parses, resets and lists them the same way (`rig-sim --help` prints
// settings()). Indexed settings are written NAME.N ("input.0", "cell_offset_mV.17").
//
// Faults: the five instrument faults of twin.hpp, added to a table with add_to().
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "rig/core/status.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

class SettingTable {
public:
    // `on_change` runs after a successful set() of that knob (not on reset()).
    void add_bool(std::string name, bool* target, bool def, std::string help,
                  std::function<void()> on_change = {});
    void add_number(std::string name, double* target, double def, std::string unit, std::string help,
                    double min, double max, std::function<void()> on_change = {});
    void add_text(std::string name, std::string* target, std::string def, std::string help,
                  std::function<void()> on_change = {});
    // NAME.N for N in [first, first + target->size()); every element reset to `def`.
    void add_bool_indexed(std::string name, std::vector<bool>* target, int first, std::vector<bool> defs,
                          std::string help, std::function<void(int)> on_change = {});
    void add_number_indexed(std::string name, std::vector<double>* target, int first, double def,
                            std::string unit, std::string help, double min, double max,
                            std::function<void(int)> on_change = {});

    // Errors: unknown name (listing the known ones), bad value (saying what is expected).
    Status set(std::string_view name, std::string_view value);
    bool knows(std::string_view name) const;
    void reset();  // every knob back to its default
    std::vector<SettingInfo> infos() const;
    std::string known_names() const;

private:
    struct Entry {
        SettingInfo info;
        bool indexed{false};
        std::function<Status(int index, bool has_index, std::string_view value)> set;
        std::function<void()> reset;
    };
    std::vector<Entry> entries_;
};

struct Faults {
    bool no_reply{false};
    double delay_ms{0.0};
    double corrupt_pct{0.0};
    double disconnect_after_s{0.0};
    bool stuck_output{false};

    // Registers the five faults; `on_change` runs after any of them changes. A device without
    // an output it is commanded to (the DUT) leaves stuck_output out: a knob that could do
    // nothing would be accepted silently.
    enum class Set : unsigned char { all, wire_only };
    void add_to(SettingTable& table, const std::function<void()>& on_change = {}, Set which = Set::all);
};

// Locale-independent value parsing for settings and command parameters.
Result<double> parse_number(std::string_view text);
Result<bool> parse_bool(std::string_view text);  // true/false, 1/0, on/off, yes/no

}  // namespace rig::sim
