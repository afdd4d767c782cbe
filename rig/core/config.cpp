#include "rig/core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "rig/core/toml.hpp"

namespace rig {

std::string SourcePos::str() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

ConfigError::ConfigError(SourcePos where, std::string key, std::string what)
    : std::runtime_error(where.str() + ": " + (key.empty() ? "" : "key '" + key + "': ") + what),
      where_(std::move(where)),
      key_(std::move(key)),
      reason_(std::move(what)) {}

struct ConfigDoc::Impl {
    std::string file;
    toml::table root;
};

namespace {
SourcePos pos_of(const std::string& file, const toml::source_region& r) {
    return SourcePos{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}
}  // namespace

ConfigDoc ConfigDoc::load(const std::string& path) {
    ConfigDoc d;
    d.impl_ = std::make_shared<Impl>();
    d.impl_->file = path;
    try {
        d.impl_->root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        if (e.source().begin.line == 0)
            throw ConfigError(SourcePos{path, 0, 0}, "", std::string(e.description()));
        throw ConfigError(pos_of(path, e.source()), "", std::string(e.description()));
    }
    return d;
}

ConfigDoc ConfigDoc::parse(std::string_view text, const std::string& name) {
    ConfigDoc d;
    d.impl_ = std::make_shared<Impl>();
    d.impl_->file = name;
    try {
        d.impl_->root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        throw ConfigError(pos_of(name, e.source()), "", std::string(e.description()));
    }
    return d;
}

const std::string& ConfigDoc::file() const { return impl_->file; }

struct ConfigTable::State {
    std::string file;
    std::set<std::string> used;  // keys read from this table
};

ConfigTable ConfigDoc::root() const {
    auto st = std::make_shared<ConfigTable::State>();
    st->file = impl_->file;
    return ConfigTable(impl_, &impl_->root, "", st);
}

ConfigTable::ConfigTable(std::shared_ptr<const void> owner, const void* table, std::string path,
                         std::shared_ptr<State> state)
    : owner_(std::move(owner)), table_(table), path_(std::move(path)), state_(std::move(state)) {}

namespace {
const toml::table& T(const void* p) { return *static_cast<const toml::table*>(p); }
const toml::node& N(const void* p) { return *static_cast<const toml::node*>(p); }
}  // namespace

bool ConfigTable::has(std::string_view key) const { return T(table_).contains(key); }

std::vector<std::string> ConfigTable::keys() const {
    std::vector<std::pair<toml::source_position, std::string>> ks;
    for (auto&& [k, v] : T(table_)) ks.emplace_back(k.source().begin, std::string(k.str()));
    std::stable_sort(ks.begin(), ks.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& k : ks) out.push_back(std::move(k.second));
    return out;
}

std::string ConfigTable::path(std::string_view key) const {
    if (path_.empty()) return std::string(key);
    return path_ + "." + std::string(key);
}

SourcePos ConfigTable::pos() const { return pos_of(state_->file, T(table_).source()); }

SourcePos ConfigTable::pos(std::string_view key) const {
    if (auto* n = T(table_).get(key)) {
        auto p = pos_of(state_->file, n->source());
        if (p.line > 0) return p;
    }
    return pos();
}

void ConfigTable::fail(std::string_view key, const std::string& why) const {
    throw ConfigError(pos(key), path(key), why);
}

void ConfigTable::fail_here(const std::string& why) const {
    throw ConfigError(pos(), path_, why);
}

const void* ConfigTable::node(std::string_view key) const {
    state_->used.insert(path(key));
    return T(table_).get(key);
}

void ConfigTable::ignore(std::string_view key) const { state_->used.insert(path(key)); }

void ConfigTable::finish() const {
    for (auto&& [k, v] : T(table_)) {
        if (!state_->used.count(path(k.str())))
            throw ConfigError(pos_of(state_->file, k.source()), path(k.str()),
                              "unknown key (check the spelling; unknown keys are errors)");
    }
}

namespace {
std::string type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        default: return "nothing";
    }
}
}  // namespace

#define RIG_REQUIRED(KEY, OPT)                          \
    auto v = OPT;                                       \
    if (!v) fail(KEY, "missing (required)");            \
    return *v

std::optional<std::string> ConfigTable::opt_string(std::string_view key) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    if (!n.is_string()) fail(key, "expected a string, got " + type_name(n));
    return std::string(n.as_string()->get());
}
std::string ConfigTable::string(std::string_view key) const { RIG_REQUIRED(key, opt_string(key)); }

std::optional<std::int64_t> ConfigTable::opt_integer(std::string_view key) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    if (!n.is_integer()) fail(key, "expected an integer, got " + type_name(n));
    return n.as_integer()->get();
}
std::int64_t ConfigTable::integer(std::string_view key) const { RIG_REQUIRED(key, opt_integer(key)); }

std::optional<double> ConfigTable::opt_number(std::string_view key) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    if (n.is_floating_point()) return n.as_floating_point()->get();
    fail(key, "expected a number, got " + type_name(n));
}
double ConfigTable::number(std::string_view key) const { RIG_REQUIRED(key, opt_number(key)); }

std::optional<bool> ConfigTable::opt_boolean(std::string_view key) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    if (!n.is_boolean()) fail(key, "expected true or false, got " + type_name(n));
    return n.as_boolean()->get();
}
bool ConfigTable::boolean(std::string_view key) const { RIG_REQUIRED(key, opt_boolean(key)); }

std::vector<std::string> ConfigTable::strings(std::string_view key) const {
    auto* p = node(key);
    if (!p) fail(key, "missing (required)");
    auto& n = N(p);
    if (n.is_string()) return {std::string(n.as_string()->get())};
    if (!n.is_array()) fail(key, "expected an array of strings, got " + type_name(n));
    std::vector<std::string> out;
    for (auto& e : *n.as_array()) {
        if (!e.is_string())
            throw ConfigError(pos_of(state_->file, e.source()), path(key),
                              "expected a string element, got " + type_name(e));
        out.emplace_back(e.as_string()->get());
    }
    return out;
}

std::vector<double> ConfigTable::numbers(std::string_view key) const {
    auto* p = node(key);
    if (!p) fail(key, "missing (required)");
    auto& n = N(p);
    if (!n.is_array()) fail(key, "expected an array of numbers, got " + type_name(n));
    std::vector<double> out;
    for (auto& e : *n.as_array()) {
        if (e.is_integer()) out.push_back(static_cast<double>(e.as_integer()->get()));
        else if (e.is_floating_point()) out.push_back(e.as_floating_point()->get());
        else
            throw ConfigError(pos_of(state_->file, e.source()), path(key),
                              "expected a number element, got " + type_name(e));
    }
    return out;
}

std::optional<std::string> ConfigTable::opt_date(std::string_view key) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    std::string text;
    if (n.is_date()) {
        auto d = n.as_date()->get();
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
        return std::string(buf);
    }
    if (n.is_string()) {
        text = n.as_string()->get();
        int y, m, d;
        char tail;
        if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
            m <= 12 && d >= 1 && d <= 31 && text.size() == 10)
            return text;
    }
    fail(key, "expected a date like 2027-06-30, got " +
                  (n.is_string() ? "\"" + text + "\"" : type_name(n)));
}
std::string ConfigTable::date(std::string_view key) const { RIG_REQUIRED(key, opt_date(key)); }

std::optional<double> ConfigTable::opt_quantity(std::string_view key, Unit u) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    if (u == Unit::none && (n.is_integer() || n.is_floating_point())) return opt_number(key);
    if (!n.is_string())
        fail(key, "expected a " + std::string(unit_name(u)) + " with its unit as a string, like \"" +
                      format_quantity(u == Unit::second ? 0.5 : 3.3, u) + "\", got " + type_name(n));
    auto r = parse_as(u, n.as_string()->get());
    if (!r) fail(key, r.status().message());
    return *r;
}
double ConfigTable::quantity(std::string_view key, Unit u) const { RIG_REQUIRED(key, opt_quantity(key, u)); }

std::optional<Limit> ConfigTable::opt_limit(std::string_view key, Unit u) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    Result<Limit> r = Status(Code::invalid_argument, "");
    if (n.is_string()) {
        r = Limit::parse(n.as_string()->get(), u);
    } else if (n.is_array() && n.as_array()->size() == 2 && (*n.as_array())[0].is_string() &&
               (*n.as_array())[1].is_string()) {
        r = Limit::parse_range((*n.as_array())[0].as_string()->get(),
                               (*n.as_array())[1].as_string()->get(), u);
    } else {
        fail(key, "expected a limit like \"2.0 A ± 10 %\", \"<= 1000 mW\" or [\"2.0 V\", \"2.4 V\"], got " +
                      type_name(n));
    }
    if (!r) fail(key, r.status().message());
    return *r;
}
Limit ConfigTable::limit(std::string_view key, Unit u) const { RIG_REQUIRED(key, opt_limit(key, u)); }

std::optional<ConfigTable> ConfigTable::opt_table(std::string_view key) const {
    auto* p = node(key);
    if (!p) return std::nullopt;
    auto& n = N(p);
    if (!n.is_table()) fail(key, "expected a table, got " + type_name(n));
    return ConfigTable(owner_, n.as_table(), path(key), state_);
}
ConfigTable ConfigTable::table(std::string_view key) const { RIG_REQUIRED(key, opt_table(key)); }

std::vector<ConfigTable> ConfigTable::tables(std::string_view key) const {
    auto* p = node(key);
    if (!p) return {};
    auto& n = N(p);
    if (!n.is_array_of_tables()) fail(key, "expected an array of tables ([[" + path(key) + "]]), got " + type_name(n));
    std::vector<ConfigTable> out;
    size_t i = 0;
    for (auto& e : *n.as_array())
        out.push_back(ConfigTable(owner_, e.as_table(), path(key) + "[" + std::to_string(i++) + "]", state_));
    return out;
}

std::string ConfigTable::scalar_text(std::string_view key) const {
    auto* p = node(key);
    if (!p) fail(key, "missing (required)");
    auto& n = N(p);
    if (n.is_string()) return std::string(n.as_string()->get());
    if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
    if (n.is_integer()) return std::to_string(n.as_integer()->get());
    if (n.is_floating_point()) {
        char buf[64];
        auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, n.as_floating_point()->get());
        return std::string(buf, ptr);
    }
    fail(key, "expected a string, number or boolean, got " + type_name(n));
}

}  // namespace rig
