// Generic steps for plan authors: set (one bench output), wait (a duration, or until a DUT
// event), measure (one source against a limit), check (an earlier measurement against
// another limit).
#include <cmath>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

namespace {

struct Source {
    std::string_view name;
    Unit unit;
};
constexpr Source kSources[] = {
    {"dut.total", Unit::volt},           {"dut.average", Unit::volt},
    {"dut.max_delta", Unit::volt},       {"dut.balance_current", Unit::ampere},
    {"dut.temperature", Unit::celsius},  {"dut.detected_cells", Unit::none},
    {"dut.configured_cells", Unit::none}, {"dut.trigger_delta", Unit::volt},
    {"dut.max_balance_current", Unit::ampere}, {"dut.cell", Unit::volt},
    {"meter", Unit::ampere},             {"supply.voltage", Unit::volt},
    {"supply.current", Unit::ampere},    {"cells.voltage", Unit::volt},
    {"cells.current", Unit::ampere},
};

std::optional<Unit> source_unit(std::string_view s) {
    for (auto& x : kSources)
        if (x.name == s) return x.unit;
    return std::nullopt;
}

Result<bool> on_off(const std::string& t) {
    if (t == "on" || t == "true") return true;
    if (t == "off" || t == "false") return false;
    return Status(Code::invalid_argument, "expected on or off, got \"" + t + "\"");
}

Result<double> read_source(StepContext& ctx, const std::string& src, int pin) {
    auto& b = ctx.bench;
    if (src.starts_with("dut.")) {
        auto r = read_dut(ctx);
        if (!r) return r.status();
        const auto& d = *r;
        if (src == "dut.total") return d.total.value;
        if (src == "dut.average") return d.average.value;
        if (src == "dut.max_delta") return d.max_delta.value;
        if (src == "dut.balance_current") return d.balance_current.value;
        if (src == "dut.temperature") {
            if (!d.temperature) return Status(Code::not_supported, "the DUT reports no temperature");
            return d.temperature->value;
        }
        if (src == "dut.detected_cells") return d.detected_cells;
        if (src == "dut.configured_cells") return d.configured_cells;
        if (src == "dut.trigger_delta") return d.trigger_delta.value;
        if (src == "dut.max_balance_current") return d.max_balance_current.value;
        if (src == "dut.cell") return static_cast<size_t>(pin - 1) < d.cells.size() ? d.cells[static_cast<size_t>(pin - 1)].value : 0.0;
    }
    if (src == "meter") return supply_current_A(ctx);
    if (src == "supply.voltage" || src == "supply.current") {
        if (!b.supply()) return Status(Code::not_supported, "no supply");
        if (src == "supply.voltage") {
            auto v = b.supply()->measure_voltage();
            if (!v) return v.status();
            return v->value;
        }
        auto a = b.supply()->measure_current();
        if (!a) return a.status();
        return a->value;
    }
    if (src == "cells.voltage") {
        if (!b.cells()) return Status(Code::not_supported, "no cell emulator");
        int ch = b.channel_of_pin(pin);
        auto v = b.cells()->read_voltages(std::span<const int>(&ch, 1));
        if (!v) return v.status();
        return (*v)[0].value;
    }
    if (src == "cells.current") {
        auto a = pin_currents_A(ctx, {pin});
        if (!a) return a.status();
        return (*a)[0];
    }
    return Status(Code::invalid_argument, "unknown source " + src);
}

}  // namespace

void check_generic_set(Step& step) {
    const auto& t = step.params.s("target");
    const auto& v = step.params.s("value");
    Result<double> r = 0.0;
    if (t == "supply.voltage") r = parse_as(Unit::volt, v);
    else if (t == "supply.current_limit") r = parse_as(Unit::ampere, v);
    else if (t == "supply.output" || t == "cells.output" || t.starts_with("relay.")) {
        auto b = on_off(v);
        if (!b) r = b.status();
    } else {
        fail_param(step, "target", "unknown target \"" + t + "\" (supply.voltage, supply.current_limit, supply.output, cells.output, relay.<role>)");
    }
    if (!r) fail_param(step, "value", r.status().message());
}

void validate_generic_set(const Step& step, const Fixture& fx, const SocketSpec& socket) {
    const auto& t = step.params.s("target");
    if (t.starts_with("relay.") && !socket.relay_map.count(t.substr(6)))
        fail_param(step, "target", "socket " + socket.name + " has no relay \"" + t.substr(6) + "\" in its relay_map");
    const SafeLimits* lim = fx.limits("supply");
    if (!lim) return;
    if (t == "supply.voltage" && lim->voltage) {
        double v = *parse_as(Unit::volt, step.params.s("value"));
        if (!lim->voltage->contains(v)) fail_param(step, "value", "outside the fixture's safe limits for supply voltage");
    }
    if (t == "supply.current_limit" && lim->current) {
        double v = *parse_as(Unit::ampere, step.params.s("value"));
        if (!lim->current->contains(v)) fail_param(step, "value", "outside the fixture's safe limits for supply current");
    }
}

Status generic_set(StepContext& ctx) {
    auto& b = ctx.bench;
    const auto& t = ctx.p().s("target");
    const auto& v = ctx.p().s("value");
    if (t == "supply.voltage" || t == "supply.current_limit" || t == "supply.output") {
        if (!b.supply()) return Status(Code::not_supported, "no supply");
        if (t == "supply.voltage") return b.supply()->set_voltage(Volts(*parse_as(Unit::volt, v)));
        if (t == "supply.current_limit") return b.supply()->set_current_limit(Amps(*parse_as(Unit::ampere, v)));
        return b.supply()->set_output(*on_off(v));
    }
    if (t == "cells.output") return b.set_cell_outputs(*on_off(v));
    return b.set_relay(t.substr(6), *on_off(v));
}

Status generic_wait(StepContext& ctx) {
    const auto& p = ctx.p();
    TimePoint t0 = ctx.now();
    const auto& until = p.s("until");
    if (until == "none") {
        if (!p.has("duration")) return Status(Code::invalid_argument, "wait needs `duration` or `until`");
        return ctx.sleep_for(dur(p.seconds("duration")));
    }
    Duration poll = dur(p.seconds("poll"));
    Cadence cadence(ctx, poll);
    for (;;) {
        bool met = false;
        if (until == "dut_answers" || until == "dut_silent") {
            // Silence needs one unanswered request, not the retries meant for noisy lines.
            auto r = read_dut(ctx, until == "dut_silent" ? DutRead::probe : DutRead::read_all);
            if (!r && !is_dut_silence(r.status())) return r.status();
            met = (until == "dut_answers") == static_cast<bool>(r);
        } else {
            auto r = read_dut(ctx);
            if (!r) return r.status();
            met = (until == "balancing") == r->balancing();
        }
        if (met) {
            ctx.note("wait_time", std::chrono::duration<double>(ctx.now() - t0).count(), Unit::second, t0);
            return Status::ok();
        }
        if (ctx.past_deadline()) break;
        RIG_TRY(cadence.wait(ctx.deadline));
    }
    auto& m = ctx.add(until, 0.0, Unit::none, Limit::at_least(1.0, Unit::none), 0.0, t0);
    m.message = "the DUT did not reach '" + until + "' within the step's timeout";
    return Status::ok();
}

void check_generic_measure(Step& step) {
    auto u = source_unit(step.params.s("source"));
    if (!u) {
        std::string known;
        for (auto& x : kSources) known += (known.empty() ? "" : ", ") + std::string(x.name);
        fail_param(step, "source", "unknown source \"" + step.params.s("source") + "\" (" + known + ")");
    }
    ParamValue lv = step.params.at("limit");
    auto l = parse_limit_texts(lv.raw, *u, lv.raw.size() != 1);
    if (!l) fail_param(step, "limit", l.status().message());
    lv.limit = *l;
    lv.unit = *u;
    step.params.set("limit", lv);
}

Status generic_measure(StepContext& ctx) {
    const auto& p = ctx.p();
    const auto& src = p.s("source");
    Unit u = *source_unit(src);
    int n = static_cast<int>(std::max<std::int64_t>(1, p.i("samples")));
    TimePoint t0 = ctx.now();
    std::vector<Sample> s;
    Cadence cadence(ctx, dur(p.seconds("interval")));
    for (int k = 0; k < n; ++k) {
        if (k > 0) RIG_TRY(cadence.wait());
        auto v = read_source(ctx, src, static_cast<int>(p.i("pin")));
        if (!v) return v.status();
        s.push_back({ctx.now(), *v});
    }
    auto st = stats_of(s);
    std::string name = p.has("name") ? p.s("name") : src;
    ctx.add(name, st.mean, u, p.limit("limit"), p.has("uncertainty") ? p.q("uncertainty") : 0.0, t0, std::move(s));
    return Status::ok();
}

Status generic_check(StepContext& ctx) {
    const auto& p = ctx.p();
    const auto& ref = p.s("value");
    TimePoint t0 = ctx.now();
    auto it = ctx.results.values.find(ref);
    if (it == ctx.results.values.end())
        return Status(Code::invalid_argument, "check: no earlier measurement \"" + ref + "\" with a value");
    Unit u = ctx.results.units.count(ref) ? ctx.results.units.at(ref) : Unit::none;
    auto l = parse_limit_texts(p.at("limit").raw, u, p.at("limit").raw.size() != 1);
    if (!l) return Status(Code::invalid_argument, "check " + ref + ": limit: " + l.status().message());
    ctx.add(p.has("name") ? p.s("name") : ref, it->second, u, *l, 0.0, t0);
    return Status::ok();
}

}  // namespace rig::engine::steps
