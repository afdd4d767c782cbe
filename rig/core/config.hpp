// Configuration loading for fixtures, plans, model files and twin settings: a thin layer
// over toml++ that (1) puts `file:line:column: key 'a.b.c':` in front of every error and
// (2) rejects unknown keys, so a typo in a plan is an error, never silently ignored.
//
// Usage: read every key you know with the typed getters, then call finish(): any key
// nobody asked for is reported with its own location. Errors throw ConfigError (loading
// configuration is the one place exceptions are used; see house style).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/core/limit.hpp"
#include "rig/core/units.hpp"

namespace rig {

struct SourcePos {
    std::string file;
    int line{0};
    int column{0};
    std::string str() const;  // "file:line:column" (or just "file" without a line)
};

class ConfigError : public std::runtime_error {
public:
    ConfigError(SourcePos where, std::string key, std::string what);
    const SourcePos& where() const { return where_; }
    const std::string& key() const { return key_; }
    const std::string& reason() const { return reason_; }

private:
    SourcePos where_;
    std::string key_;
    std::string reason_;
};

class ConfigTable;

// A loaded TOML document. Owns the parsed tree; tables taken from it share ownership.
class ConfigDoc {
public:
    static ConfigDoc load(const std::string& path);  // throws ConfigError (file:line:col)
    static ConfigDoc parse(std::string_view text, const std::string& name);
    ConfigTable root() const;
    const std::string& file() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// A view of one TOML table with its dotted path, for typed reads with located errors.
class ConfigTable {
public:
    bool has(std::string_view key) const;
    std::vector<std::string> keys() const;  // in file order where toml++ keeps it
    std::string path(std::string_view key) const;  // "steps[3].limit"
    SourcePos pos(std::string_view key) const;      // of the value (or of the table if absent)
    SourcePos pos() const;                          // of this table

    std::string string(std::string_view key) const;
    std::optional<std::string> opt_string(std::string_view key) const;
    std::int64_t integer(std::string_view key) const;
    std::optional<std::int64_t> opt_integer(std::string_view key) const;
    double number(std::string_view key) const;  // integer or float
    std::optional<double> opt_number(std::string_view key) const;
    bool boolean(std::string_view key) const;
    std::optional<bool> opt_boolean(std::string_view key) const;
    std::vector<std::string> strings(std::string_view key) const;  // array of strings
    std::vector<double> numbers(std::string_view key) const;       // array of numbers
    // A date as "YYYY-MM-DD" (TOML date or string).
    std::string date(std::string_view key) const;
    std::optional<std::string> opt_date(std::string_view key) const;

    // A physical quantity written as a string with its unit: "3.300 V".
    double quantity(std::string_view key, Unit u) const;
    std::optional<double> opt_quantity(std::string_view key, Unit u) const;
    template <class Q>
    Q get(std::string_view key) const { return Q(quantity(key, Q::unit)); }
    // A limit: "2.0 A ± 10 %", "<= 1000 mW", ">= 2.4 V", or ["2.0 V", "2.4 V"].
    Limit limit(std::string_view key, Unit u) const;
    std::optional<Limit> opt_limit(std::string_view key, Unit u) const;

    ConfigTable table(std::string_view key) const;
    std::optional<ConfigTable> opt_table(std::string_view key) const;
    std::vector<ConfigTable> tables(std::string_view key) const;  // array of tables

    // Values of any scalar type as text (for settings maps such as `--set` or twin knobs):
    // strings as-is, numbers in their shortest form, booleans "true"/"false".
    std::string scalar_text(std::string_view key) const;

    // Marks a key as known without reading it (read by someone else).
    void ignore(std::string_view key) const;
    // Throws for the first key of this table that was never read.
    void finish() const;
    [[noreturn]] void fail(std::string_view key, const std::string& why) const;
    [[noreturn]] void fail_here(const std::string& why) const;

private:
    friend class ConfigDoc;
    struct State;
    ConfigTable(std::shared_ptr<const void> owner, const void* table, std::string path,
                std::shared_ptr<State> state);
    const void* node(std::string_view key) const;  // marks used; nullptr if absent

    std::shared_ptr<const void> owner_;
    const void* table_;
    std::string path_;
    std::shared_ptr<State> state_;
};

}  // namespace rig
