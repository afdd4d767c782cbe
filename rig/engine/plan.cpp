#include "rig/engine/plan.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "rig/engine/step_kind.hpp"

namespace rig::engine {

std::string_view to_string(StopPolicy p) {
    switch (p) {
        case StopPolicy::stop_on_first_failure: return "stop_on_first_failure";
        case StopPolicy::continue_all: return "continue";
        case StopPolicy::stop_on_error: return "stop_on_error";
    }
    return "stop_on_first_failure";
}

std::optional<StopPolicy> parse_stop_policy(std::string_view t) {
    for (auto p : {StopPolicy::stop_on_first_failure, StopPolicy::continue_all, StopPolicy::stop_on_error})
        if (to_string(p) == t) return p;
    return std::nullopt;
}

std::string_view to_string(Section s) {
    switch (s) {
        case Section::setup: return "setup";
        case Section::steps: return "steps";
        case Section::cleanup: return "cleanup";
    }
    return "steps";
}

std::optional<int> Plan::setting(std::string_view name) const {
    for (auto& s : settings)
        if (s.name == name) return s.value;
    return std::nullopt;
}

bool Params::given(std::string_view name) const {
    auto* v = find(name);
    return v && v->given;
}
const ParamValue& Params::at(std::string_view name) const { return values_.at(std::string(name)); }
const ParamValue* Params::find(std::string_view name) const {
    auto it = values_.find(std::string(name));
    return it == values_.end() ? nullptr : &it->second;
}
std::optional<double> Params::opt_q(std::string_view name) const {
    auto* v = find(name);
    if (!v) return std::nullopt;
    return v->number;
}

Result<Limit> parse_limit_texts(const std::vector<std::string>& items, Unit u, bool list) {
    if (!list) {
        if (items.size() != 1) return Status(Code::invalid_argument, "expected one limit text");
        const std::string& text = items[0];
        auto l = Limit::parse(text, u);
        if (l) return *l;
        // A bare value is an exact limit: "24" (a cell count), "1.0 A" (a read-back).
        auto v = parse_as(u, text);
        if (v) return Limit::range(*v, *v, u);
        return l.status();
    }
    if (items.size() != 2)
        return Status(Code::invalid_argument, "a limit list has two elements: [\"2.0 V\", \"2.4 V\"] or [\">= 2.0 V\", \"<= 2.4 V\"]");
    auto starts = [](const std::string& s, std::string_view op) {
        auto t = s;
        while (!t.empty() && t.front() == ' ') t.erase(t.begin());
        return t.starts_with(op);
    };
    bool a_op = starts(items[0], ">=") || starts(items[0], "<=");
    bool b_op = starts(items[1], ">=") || starts(items[1], "<=");
    if (a_op != b_op) return Status(Code::invalid_argument, "write both ends as bounds [\">= 2.0 V\", \"<= 2.4 V\"] or both as values [\"2.0 V\", \"2.4 V\"]");
    if (!a_op) {
        auto l = Limit::parse_range(items[0], items[1], u);
        if (!l) return l.status();
        return *l;
    }
    Limit out = Limit::none(u);
    for (auto& item : items) {
        auto l = Limit::parse(item, u);
        if (!l) return l.status();
        if (l->low) {
            if (out.low) return Status(Code::invalid_argument, "two lower bounds");
            out.low = l->low;
        }
        if (l->high) {
            if (out.high) return Status(Code::invalid_argument, "two upper bounds");
            out.high = l->high;
        }
    }
    if (out.low && out.high && *out.low > *out.high) return Status(Code::invalid_argument, "the lower bound is above the upper bound");
    return out;
}

void fail_param(const Step& step, std::string_view param, const std::string& why) {
    if (auto* v = step.params.find(param)) {
        if (v->where.line > 0) throw ConfigError(v->where, v->key, why);
        // A default value: point at the step, naming the parameter.
        throw ConfigError(step.where, step.key + "." + std::string(param), why + " (default value)");
    }
    throw ConfigError(step.where, step.key + "." + std::string(param), why);
}

namespace {

// A parameter as written (after sweep substitution), before typing.
struct Raw {
    bool list{false};
    std::string text;
    std::vector<std::string> items;
    SourcePos where;
    std::string key;
};

std::string number_text(double d) {
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, p);
}

Raw read_raw(const ConfigTable& t, const std::string& key) {
    Raw r;
    r.where = t.pos(key);
    r.key = t.path(key);
    try {
        r.text = t.scalar_text(key);
        return r;
    } catch (const ConfigError&) {
    }
    r.list = true;
    try {
        for (double d : t.numbers(key)) r.items.push_back(number_text(d));
        return r;
    } catch (const ConfigError&) {
    }
    try {
        r.items = t.strings(key);
        return r;
    } catch (const ConfigError&) {
    }
    t.fail(key, "expected a value, a list of strings or a list of numbers");
}

std::string substitute(std::string s, const std::string& name, const std::string& value) {
    const std::string pat = "{" + name + "}";
    for (size_t pos = s.find(pat); pos != std::string::npos; pos = s.find(pat, pos + value.size()))
        s.replace(pos, pat.size(), value);
    return s;
}

std::string without_spaces(std::string s) {
    std::erase(s, ' ');
    return s;
}

[[noreturn]] void fail_raw(const Raw& r, const std::string& why) { throw ConfigError(r.where, r.key, why); }

double parse_q(const Raw& r, const std::string& text, Unit u) {
    auto v = parse_as(u, text);
    if (!v) fail_raw(r, v.status().message());
    return *v;
}

Limit parse_limit(const Raw& r, Unit u) {
    auto l = parse_limit_texts(r.list ? r.items : std::vector<std::string>{r.text}, u, r.list);
    if (!l) fail_raw(r, l.status().message());
    return *l;
}

std::vector<int> parse_pins(const Raw& r) {
    std::vector<std::string> items = r.list ? r.items : std::vector<std::string>{r.text};
    if (!r.list && r.text == "all") return {};
    std::vector<int> pins;
    for (auto& it : items) {
        auto dash = it.find('-');
        auto to_pin = [&](std::string_view s) {
            auto v = parse_number(s);
            if (!v || *v != std::floor(*v) || *v < 1 || *v > 48)
                fail_raw(r, "expected pins like [1, 2, 3], \"1-24\" or \"all\", got \"" + it + "\"");
            return static_cast<int>(*v);
        };
        if (dash != std::string::npos && dash > 0) {
            int a = to_pin(std::string_view(it).substr(0, dash));
            int b = to_pin(std::string_view(it).substr(dash + 1));
            if (a > b) fail_raw(r, "pin range \"" + it + "\" runs backwards");
            for (int k = a; k <= b; ++k) pins.push_back(k);
        } else {
            pins.push_back(to_pin(it));
        }
    }
    std::set<int> seen;
    for (int p : pins)
        if (!seen.insert(p).second) fail_raw(r, "pin " + std::to_string(p) + " listed twice");
    return pins;
}

ParamValue type_param(const ParamSpec& spec, const Raw& r, bool given) {
    ParamValue v;
    v.type = spec.type;
    v.unit = spec.unit;
    v.given = given;
    v.where = r.where;
    v.key = r.key;
    v.text = r.list ? "" : r.text;
    v.raw = r.list ? r.items : std::vector<std::string>{r.text};
    auto need_scalar = [&] {
        if (r.list) fail_raw(r, "expected a single value, got a list");
    };
    switch (spec.type) {
        case ParamType::quantity:
            need_scalar();
            v.number = parse_q(r, r.text, spec.unit);
            break;
        case ParamType::quantity_list: {
            std::vector<std::string> items = r.list ? r.items : std::vector<std::string>{r.text};
            if (items.empty()) fail_raw(r, "expected at least one value");
            for (auto& it : items) v.numbers.push_back(parse_q(r, it, spec.unit));
            break;
        }
        case ParamType::integer: {
            need_scalar();
            auto n = parse_number(r.text);
            if (!n || *n != std::floor(*n)) fail_raw(r, "expected an integer, got \"" + r.text + "\"");
            v.number = *n;
            break;
        }
        case ParamType::boolean:
            need_scalar();
            if (r.text == "true") v.number = 1;
            else if (r.text == "false") v.number = 0;
            else fail_raw(r, "expected true or false, got \"" + r.text + "\"");
            break;
        case ParamType::text:
            need_scalar();
            if (!spec.choices.empty()) {
                bool ok = false;
                std::string known;
                for (auto c : spec.choices) {
                    ok = ok || c == r.text;
                    known += (known.empty() ? "" : ", ") + std::string(c);
                }
                if (!ok) fail_raw(r, "unknown value \"" + r.text + "\" (one of: " + known + ")");
            }
            break;
        case ParamType::limit:
            if (spec.unit != Unit::none) v.limit = parse_limit(r, spec.unit);
            break;
        case ParamType::pins:
            v.pins = parse_pins(r);
            break;
    }
    return v;
}

// One [[steps]] entry before sweep expansion: the raw values of every key.
struct RawStep {
    std::string id_text;
    SourcePos id_where;
    std::string kind;
    SourcePos where;
    std::string key;
    std::optional<std::string> when;
    Raw when_raw;
    std::string description;
    std::int64_t retry{0};
    std::optional<double> timeout_s;
    std::map<std::string, Raw> params;
    std::string sweep_name;
    std::vector<std::string> sweep_values;
};

const std::set<std::string> kReserved = {"id", "kind", "when", "retry", "timeout", "description", "for_each"};

std::vector<std::string> range_values(const ConfigTable& fe) {
    auto from_t = fe.string("from");
    auto to_t = fe.string("to");
    auto step_t = fe.string("step");
    auto from = parse_quantity(from_t);
    if (!from || from->plus_minus) fe.fail("from", "expected a quantity like \"1 V\", got \"" + from_t + "\"");
    auto to = parse_as(from->unit, to_t);
    if (!to) fe.fail("to", to.status().message());
    auto step = parse_as(from->unit, step_t);
    if (!step) fe.fail("step", step.status().message());
    if (*step <= 0) fe.fail("step", "must be above zero");
    if (*to < from->value) fe.fail("to", "is below `from`");
    // Values are written in the unit text of `from` ("20 mV" -> "40 mV"), so ids read well.
    double from_num = 0;
    {
        auto s = std::string_view(from_t);
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        std::from_chars(s.data(), s.data() + s.size(), from_num);
    }
    std::string unit_text;
    {
        auto s = std::string_view(from_t);
        size_t i = 0;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '-' ||
                                s[i] == '+' || s[i] == ' ' || s[i] == 'e'))
            ++i;
        unit_text = std::string(s.substr(i));
    }
    double scale = from_num != 0 ? from->value / from_num : 1.0;
    if (from_num == 0) {
        auto one = parse_quantity("1 " + unit_text);
        if (one) scale = one->value;
    }
    size_t n = static_cast<size_t>(std::floor((*to - from->value) / *step + 1e-9)) + 1;
    if (n > 10000) fe.fail("step", "more than 10000 values");
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
        double v = (from->value + static_cast<double>(i) * *step) / scale;
        v = std::round(v * 1e9) / 1e9;
        out.push_back(number_text(v) + " " + unit_text);
    }
    return out;
}

RawStep read_step(const ConfigTable& t) {
    RawStep s;
    s.where = t.pos();
    s.key = t.path("");
    if (!s.key.empty() && s.key.back() == '.') s.key.pop_back();
    s.id_text = t.string("id");
    s.id_where = t.pos("id");
    s.kind = t.string("kind");
    const StepKind* kind = find_step_kind(s.kind);
    if (!kind) {
        std::string known;
        for (auto& k : step_kinds()) known += (known.empty() ? "" : ", ") + std::string(k.name);
        t.fail("kind", "unknown step kind \"" + s.kind + "\" (known: " + known + ")");
    }
    if (t.has("when")) {
        s.when_raw = read_raw(t, "when");
        s.when = s.when_raw.text;
    }
    s.description = t.opt_string("description").value_or("");
    s.retry = t.opt_integer("retry").value_or(0);
    if (s.retry < 0 || s.retry > 10) t.fail("retry", "must be 0-10");
    s.timeout_s = t.opt_quantity("timeout", Unit::second);
    if (s.timeout_s && *s.timeout_s <= 0) t.fail("timeout", "must be above zero");
    if (auto fe = t.opt_table("for_each")) {
        s.sweep_name = fe->string("name");
        if (s.sweep_name.empty()) fe->fail("name", "must not be empty");
        if (fe->has("values")) {
            auto r = read_raw(*fe, "values");
            s.sweep_values = r.list ? r.items : std::vector<std::string>{r.text};
            if (s.sweep_values.empty()) fe->fail("values", "expected at least one value");
            if (fe->has("from") || fe->has("to") || fe->has("step"))
                fe->fail("values", "give either `values` or `from`/`to`/`step`, not both");
        } else {
            s.sweep_values = range_values(*fe);
        }
        fe->finish();
    }
    for (auto& key : t.keys()) {
        if (kReserved.count(key)) continue;
        bool known = false;
        for (auto& ps : kind->params) known = known || ps.name == key;
        if (!known) {
            std::string names;
            for (auto& ps : kind->params) names += (names.empty() ? "" : ", ") + std::string(ps.name);
            t.fail(key, "unknown parameter for kind \"" + s.kind + "\" (known: " + names + ")");
        }
        s.params[key] = read_raw(t, key);
    }
    t.finish();
    return s;
}

Step make_step(const RawStep& rs, Section section, const std::string& var, const std::string& value,
               const std::set<std::string>& earlier) {
    Step st;
    st.section = section;
    st.where = rs.where;
    st.key = rs.key;
    st.kind_name = rs.kind;
    st.kind = find_step_kind(rs.kind);
    auto sub = [&](const std::string& s) { return var.empty() ? s : substitute(s, var, value); };
    st.id = var.empty() ? rs.id_text : substitute(rs.id_text, var, without_spaces(value));
    if (st.id.empty()) throw ConfigError(rs.id_where, rs.key + ".id", "must not be empty");
    if (!var.empty() && st.id == rs.id_text)
        throw ConfigError(rs.id_where, rs.key + ".id",
                          "a step with for_each needs {" + var + "} in its id so every repetition has its own id");
    for (char c : st.id)
        if (c == ' ' || c == '"' || c == '\'')
            throw ConfigError(rs.id_where, rs.key + ".id", "ids have no spaces or quotes: \"" + st.id + "\"");
    st.description = sub(rs.description);
    st.retry = static_cast<int>(rs.retry);
    if (rs.timeout_s) st.timeout = std::chrono::duration_cast<Duration>(Seconds(*rs.timeout_s));
    if (rs.when) {
        auto c = Condition::parse(sub(*rs.when), earlier);
        if (!c) throw ConfigError(rs.when_raw.where, rs.when_raw.key, c.status().message());
        st.when = *c;
    }
    for (auto& spec : st.kind->params) {
        auto it = rs.params.find(std::string(spec.name));
        if (it != rs.params.end()) {
            Raw r = it->second;
            r.text = sub(r.text);
            for (auto& item : r.items) item = sub(item);
            // A parameter named like the sweep variable inside an id-like text (e.g. `name`)
            // reads better without spaces; values keep theirs.
            if (spec.name == "name") r.text = without_spaces(r.text);
            st.params.set(std::string(spec.name), type_param(spec, r, true));
        } else if (!spec.default_text.empty()) {
            Raw r;
            r.text = std::string(spec.default_text);
            r.where = SourcePos{rs.where.file, 0, 0};
            r.key = rs.key + "." + std::string(spec.name);
            try {
                st.params.set(std::string(spec.name), type_param(spec, r, false));
            } catch (const ConfigError& e) {
                throw ConfigError(rs.where, r.key, "bad built-in default: " + e.reason());
            }
        } else if (spec.required) {
            throw ConfigError(rs.where, rs.key + "." + std::string(spec.name),
                              "missing (required by kind \"" + rs.kind + "\")");
        }
    }
    if (st.kind->check) st.kind->check(st);
    return st;
}

const std::map<std::string, std::pair<Unit, std::pair<int, int>>> kSettings = {
    {"cell_count", {Unit::none, {2, 24}}},
    {"trigger_delta", {Unit::volt, {2, 1000}}},         // mV
    {"max_balance_current", {Unit::ampere, {30, 2000}}},  // mA
    {"balancing_switch", {Unit::none, {0, 1}}},
};

std::vector<PlanSetting> read_settings(const ConfigTable& t) {
    std::vector<PlanSetting> out;
    for (auto& key : t.keys()) {
        auto it = kSettings.find(key);
        if (it == kSettings.end())
            t.fail(key, "unknown DUT setting (cell_count, trigger_delta, max_balance_current, balancing_switch)");
        PlanSetting s;
        s.name = key;
        s.where = t.pos(key);
        auto [unit, range] = it->second;
        if (key == "balancing_switch") {
            s.value = t.boolean(key) ? 1 : 0;
        } else if (key == "cell_count") {
            s.value = static_cast<int>(t.integer(key));
        } else {
            double si = t.quantity(key, unit);
            s.value = static_cast<int>(std::lround(si * 1000.0));
        }
        if (s.value < range.first || s.value > range.second)
            t.fail(key, "outside what the DUT accepts (" + std::to_string(range.first) + "-" +
                            std::to_string(range.second) + (unit == Unit::volt ? " mV" : unit == Unit::ampere ? " mA" : "") + ")");
        out.push_back(s);
    }
    t.finish();
    return out;
}

Plan build_plan(const ConfigDoc& doc) {
    auto root = doc.root();
    Plan plan;
    plan.file = doc.file();
    auto head = root.table("plan");
    plan.name = head.string("name");
    plan.version = head.string("version");
    plan.dut_model = head.string("dut_model");
    plan.description = head.opt_string("description").value_or("");
    if (auto sp = head.opt_string("stop_policy")) {
        auto p = parse_stop_policy(*sp);
        if (!p) head.fail("stop_policy", "unknown stop policy \"" + *sp + "\" (stop_on_first_failure, continue, stop_on_error)");
        plan.stop_policy = *p;
    }
    if (auto dr = head.opt_string("decision_rule")) {
        if (*dr == "simple") plan.rule = DecisionRule::simple;
        else if (*dr == "guard_banded") plan.rule = DecisionRule::guard_banded;
        else head.fail("decision_rule", "unknown decision rule \"" + *dr + "\" (simple, guard_banded)");
    }
    head.finish();
    if (auto st = root.opt_table("settings")) plan.settings = read_settings(*st);

    std::set<std::string> ids;
    auto section = [&](const char* key, Section sec, std::vector<Step>& out) {
        for (auto& t : root.tables(key)) {
            RawStep rs = read_step(t);
            std::vector<std::string> values = rs.sweep_name.empty() ? std::vector<std::string>{""} : rs.sweep_values;
            for (auto& v : values) {
                Step s = make_step(rs, sec, rs.sweep_name, v, ids);
                if (!ids.insert(s.id).second)
                    throw ConfigError(rs.id_where, rs.key + ".id", "duplicate step id \"" + s.id + "\"");
                out.push_back(std::move(s));
            }
        }
    };
    section("setup", Section::setup, plan.setup);
    section("steps", Section::steps, plan.steps);
    section("cleanup", Section::cleanup, plan.cleanup);
    root.finish();
    if (plan.steps.empty()) root.fail_here("a plan needs at least one [[steps]] entry");
    return plan;
}

void check_safe(const Step& step, const ParamValue& v, const ParamSpec& spec, const Fixture& fx) {
    const char* role = nullptr;
    bool voltage = true;
    switch (spec.safe) {
        case SafeRole::none: return;
        case SafeRole::cell_voltage: role = "cells"; break;
        case SafeRole::supply_voltage: role = "supply"; break;
        case SafeRole::supply_current: role = "supply"; voltage = false; break;
    }
    const SafeLimits* lim = fx.limits(role);
    if (!lim) return;
    const auto& range = voltage ? lim->voltage : lim->current;
    if (!range) return;
    std::vector<double> values = v.type == ParamType::quantity_list ? v.numbers : std::vector<double>{v.number};
    for (double x : values)
        if (!range->contains(x))
            fail_param(step, spec.name,
                       format_quantity(x, spec.unit) + " is outside the fixture's safe limits for " + role + " " +
                           (voltage ? "voltage" : "current") + " [" + format_quantity(range->low, spec.unit) + ", " +
                           format_quantity(range->high, spec.unit) + "] (" + fx.file + ")");
}

}  // namespace

Plan load_plan(const std::string& path) { return build_plan(ConfigDoc::load(path)); }
Plan parse_plan(std::string_view text, const std::string& name) { return build_plan(ConfigDoc::parse(text, name)); }

void validate_for_fixture(const Plan& plan, const Fixture& fx, const SocketSpec& socket) {
    auto need = [&](const std::string& id, const char* role) {
        if (id.empty())
            throw ConfigError(socket.where, "sockets." + socket.name + "." + role,
                              "plan \"" + plan.name + "\" needs a " + role + " instrument in socket " + socket.name);
    };
    need(socket.cells, "cells");
    need(socket.supply, "supply");
    need(socket.dut, "dut");
    for (auto* sec : {&plan.setup, &plan.steps, &plan.cleanup}) {
        for (auto& step : *sec) {
            for (auto& spec : step.kind->params) {
                auto* v = step.params.find(spec.name);
                if (!v) continue;
                check_safe(step, *v, spec, fx);
                if (v->type == ParamType::pins)
                    for (int pin : v->pins)
                        if (pin > socket.cell_count)
                            fail_param(step, spec.name,
                                       "pin B" + std::to_string(pin) + " is not wired in socket " + socket.name + " (" +
                                           std::to_string(socket.cell_count) + " cells)");
            }
            if (step.kind->validate) step.kind->validate(step, fx, socket);
        }
    }
}

}  // namespace rig::engine
