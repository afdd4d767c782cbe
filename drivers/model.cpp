#include "drivers/model.hpp"

#include <cmath>
#include <set>

namespace rig::drivers {
namespace {

const std::set<std::string> kKinds = {"cell_emulator", "supply", "meter", "relay_bank", "dut_link", "gpio"};
const std::set<std::string> kProtocols = {"modbus", "scpi", "ascii", "jk-rs485", "jk-can", "gpiod"};
const std::set<std::string> kPlaceholders = {"value", "channel", "channels", "range", "nplc", "state"};

RegisterTable parse_table(const ConfigTable& t) {
    auto s = t.opt_string("table").value_or("holding");
    if (s == "holding") return RegisterTable::holding;
    if (s == "input") return RegisterTable::input;
    if (s == "coil") return RegisterTable::coil;
    if (s == "discrete") return RegisterTable::discrete;
    t.fail("table", "expected holding, input, coil or discrete, got \"" + s + "\"");
}

RegisterType parse_type(const ConfigTable& t, RegisterTable table) {
    bool bits = table == RegisterTable::coil || table == RegisterTable::discrete;
    auto s = t.opt_string("type").value_or(bits ? "bit" : "u16");
    RegisterType r;
    if (s == "u16") r = RegisterType::u16;
    else if (s == "i16") r = RegisterType::i16;
    else if (s == "u32") r = RegisterType::u32;
    else if (s == "i32") r = RegisterType::i32;
    else if (s == "bit") r = RegisterType::bit;
    else t.fail("type", "expected u16, i16, u32, i32 or bit, got \"" + s + "\"");
    if (bits != (r == RegisterType::bit))
        t.fail("type", bits ? "coils and discrete inputs are of type bit"
                            : "type bit is only for coil and discrete tables");
    return r;
}

void check_template(const ConfigTable& t, const std::string& key, const std::string& tmpl) {
    size_t i = 0;
    while ((i = tmpl.find('{', i)) != std::string::npos) {
        auto j = tmpl.find('}', i);
        if (j == std::string::npos) t.fail(key, "unclosed '{' in template \"" + tmpl + "\"");
        auto name = tmpl.substr(i + 1, j - i - 1);
        if (!kPlaceholders.count(name))
            t.fail(key, "unknown placeholder {" + name + "} (known: value, channel, channels, range, nplc, state)");
        i = j + 1;
    }
}

}  // namespace

const RegisterDef* ModelFile::reg(std::string_view n) const {
    for (auto& r : registers)
        if (r.name == n) return &r;
    return nullptr;
}

const std::string* ModelFile::command(std::string_view role) const {
    auto it = commands.find(std::string(role));
    return it == commands.end() ? nullptr : &it->second;
}

std::string ModelFile::quirk(std::string_view key, std::string fallback) const {
    auto it = quirks.find(std::string(key));
    return it == quirks.end() ? fallback : it->second;
}

std::string fill_template(const std::string& tmpl, const std::map<std::string, std::string>& args) {
    std::string out;
    size_t i = 0;
    while (i < tmpl.size()) {
        auto open = tmpl.find('{', i);
        if (open == std::string::npos) {
            out += tmpl.substr(i);
            break;
        }
        out += tmpl.substr(i, open - i);
        auto close = tmpl.find('}', open);
        auto name = tmpl.substr(open + 1, close - open - 1);
        auto it = args.find(name);
        out += it == args.end() ? "" : it->second;
        i = close + 1;
    }
    return out;
}

ModelFile load_model(const std::string& path) {
    auto doc = ConfigDoc::load(path);
    auto root = doc.root();
    ModelFile m;
    m.file = path;
    auto head = root.table("model");
    m.name = head.string("name");
    m.kind = head.string("kind");
    if (!kKinds.count(m.kind)) head.fail("kind", "unknown kind \"" + m.kind + "\"");
    m.protocol = head.string("protocol");
    if (!kProtocols.count(m.protocol))
        head.fail("protocol", "unknown protocol \"" + m.protocol + "\" (modbus, scpi, ascii, jk-rs485, jk-can, gpiod)");
    m.manufacturer = head.opt_string("manufacturer").value_or("");
    m.description = head.opt_string("description").value_or("");
    auto count = [&](std::string_view key) {
        auto v = head.opt_integer(key).value_or(0);
        if (v < 0 || v > 512) head.fail(key, "must be 0-512");
        return static_cast<int>(v);
    };
    m.channels = count("channels");
    m.relays = count("relays");
    m.inputs = count("inputs");
    if (m.kind == "cell_emulator" && m.channels == 0) head.fail("channels", "a cell emulator needs channels");
    if (m.kind == "relay_bank" && m.relays == 0) head.fail("relays", "a relay bank needs relays");
    head.finish();

    if (auto id = root.opt_table("identity")) {
        m.identity_query = id->opt_string("query").value_or("");
        m.identity_match = id->opt_string("match").value_or("");
        m.identity_register = id->opt_string("register").value_or("");
        if (id->has("values"))
            for (double v : id->numbers("values")) m.identity_values.push_back(static_cast<long>(v));
        m.serial_register = id->opt_string("serial").value_or("");
        m.firmware_register = id->opt_string("firmware").value_or("");
        if (!m.identity_register.empty() && m.identity_values.empty())
            id->fail("values", "an identity register needs the values it may hold");
        id->finish();
    }
    if (auto r = root.opt_table("ranges")) {
        if (auto l = r->opt_limit("voltage", Unit::volt)) {
            if (!l->low || !l->high) r->fail("voltage", "a range needs both ends");
            m.voltage_range = std::pair{*l->low, *l->high};
        }
        if (auto l = r->opt_limit("current", Unit::ampere)) {
            if (!l->low || !l->high) r->fail("current", "a range needs both ends");
            m.current_range = std::pair{*l->low, *l->high};
        }
        r->finish();
    }

    std::set<std::string> names;
    std::map<std::pair<RegisterTable, int>, std::string> used;  // (table, address) -> row name
    for (auto& t : root.tables("registers")) {
        RegisterDef r;
        r.where = t.pos();
        r.name = t.string("name");
        if (!names.insert(r.name).second) t.fail("name", "duplicate register name \"" + r.name + "\"");
        r.table = parse_table(t);
        auto addr = t.integer("address");
        if (addr < 0 || addr > 65535) t.fail("address", "must be 0-65535");
        r.address = static_cast<int>(addr);
        r.type = parse_type(t, r.table);
        r.scale = t.opt_number("scale").value_or(1.0);
        if (!std::isfinite(r.scale) || r.scale == 0.0) t.fail("scale", "must be finite and non-zero");
        if (auto u = t.opt_string("unit")) {
            auto pu = parse_unit_symbol(*u);
            if (!pu) t.fail("unit", "unknown unit \"" + *u + "\" (V, A, W, Ω, °C, s, %, Hz)");
            r.unit = *pu;
        }
        auto access = t.opt_string("access").value_or("r");
        if (access != "r" && access != "w" && access != "rw") t.fail("access", "expected r, w or rw");
        r.readable = access != "w";
        r.writable = access != "r";
        bool read_only_table = r.table == RegisterTable::input || r.table == RegisterTable::discrete;
        if (r.writable && read_only_table) t.fail("access", "input registers and discrete inputs cannot be written");
        auto ch = t.opt_integer("channels").value_or(0);
        if (ch < 0 || ch > 512) t.fail("channels", "must be 0-512");
        r.channels = static_cast<int>(ch);
        auto stride = t.opt_integer("stride").value_or(r.words());
        if (stride < r.words()) t.fail("stride", "smaller than the register's width (" + std::to_string(r.words()) + ")");
        r.stride = static_cast<int>(stride);
        int n = std::max(1, r.channels);
        if (r.address + (n - 1) * r.stride + r.words() - 1 > 65535) t.fail("address", "the rows run past 65535");
        for (int c = 0; c < n; ++c)
            for (int w = 0; w < r.words(); ++w) {
                int a = r.address + c * r.stride + w;
                auto [it, fresh] = used.emplace(std::pair{r.table, a}, r.name);
                if (!fresh)
                    t.fail("address", "address " + std::to_string(a) + " already used by \"" + it->second + "\"");
            }
        t.finish();
        m.registers.push_back(std::move(r));
    }
    if (m.protocol == "modbus" && m.registers.empty()) root.fail("registers", "a modbus model needs [[registers]]");
    for (auto* key : {&m.identity_register, &m.serial_register, &m.firmware_register})
        if (!key->empty() && !m.reg(*key)) root.fail("identity", "identity names register \"" + *key + "\", which is not in [[registers]]");

    if (auto c = root.opt_table("commands")) {
        for (auto& k : c->keys()) {
            if (k == "check_errors") {
                m.check_errors = c->boolean(k);
                continue;
            }
            auto v = c->string(k);
            check_template(*c, k, v);
            m.commands[k] = v;
        }
        c->finish();
    }
    if ((m.protocol == "scpi" || m.protocol == "ascii") && m.commands.empty())
        root.fail("commands", "a " + m.protocol + " model needs [commands]");

    if (auto acc = root.opt_table("accuracy")) {
        for (auto& fn : acc->keys()) {
            if (fn != "dc_volts" && fn != "dc_amps") acc->fail(fn, "accuracy is given for dc_volts or dc_amps");
            auto t = acc->table(fn);
            AccuracySpec a;
            Unit u = fn == "dc_volts" ? Unit::volt : Unit::ampere;
            for (auto& s : t.strings("ranges")) {
                auto v = parse_as(u, s);
                if (!v || *v <= 0) t.fail("ranges", "bad range \"" + s + "\"");
                if (!a.ranges.empty() && *v <= a.ranges.back()) t.fail("ranges", "ranges must ascend");
                a.ranges.push_back(*v);
            }
            // A number for every range, or an array with one figure per range.
            auto figures = [&](std::string_view key, double& scalar, std::vector<double>& per) {
                bool array = true;
                try {
                    per = t.numbers(key);
                } catch (const ConfigError& e) {
                    if (e.reason().rfind("expected an array", 0) != 0) throw;
                    array = false;
                }
                if (array) {
                    if (per.size() != a.ranges.size())
                        t.fail(key, "has " + std::to_string(per.size()) + " entries for " +
                                        std::to_string(a.ranges.size()) + " ranges");
                    scalar = per.empty() ? 0.0 : per.front();
                } else {
                    scalar = t.number(key);
                    per.clear();
                }
                for (double v : per.empty() ? std::vector<double>{scalar} : per)
                    if (!std::isfinite(v) || v < 0 || v > 10) t.fail(key, "accuracy percentages must be 0-10");
            };
            figures("pct_reading", a.pct_reading, a.pct_reading_by_range);
            figures("pct_range", a.pct_range, a.pct_range_by_range);
            t.finish();
            m.accuracy[fn] = a;
        }
        acc->finish();
    }
    if (auto q = root.opt_table("quirks")) {
        for (auto& k : q->keys()) m.quirks[k] = q->scalar_text(k);
        q->finish();
    }
    root.finish();
    return m;
}

}  // namespace rig::drivers
