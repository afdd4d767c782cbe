// DUT settings (P8) and temperature (P10). write_setting writes one setting, checks the
// echo (what the DUT says it now holds: a refused write echoes the old value) and the
// read-back through read-all; its effect is checked by the steps that follow it (a
// balance_current after max_balance_current, a no_balancing after switching off).
// apply_settings writes the plan's [settings] (the sequencer runs it after [[setup]]).
#include <cmath>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

namespace {

Limit exact(drivers::DutSetting s, int protocol_value) {
    double v = setting_to_si(s, protocol_value);
    double half = setting_to_si(s, 1) / 2.0;  // half a protocol unit: float-safe equality
    Limit l = Limit::range(v - half, v + half, setting_unit(s));
    l.nominal = v;
    return l;
}

}  // namespace

void check_write_setting(Step& step) {
    auto s = parse_setting(step.params.s("setting"));
    auto v = setting_protocol_value(*s, step.params.s("value"));
    if (!v) fail_param(step, "value", v.status().message());
}

Status write_setting(StepContext& ctx) {
    const auto& p = ctx.p();
    auto s = *parse_setting(p.s("setting"));
    auto value = setting_protocol_value(s, p.s("value"));
    if (!value) return value.status();
    auto* dut = ctx.bench.dut();
    if (!dut) return Status(Code::not_supported, "socket has no DUT link");
    TimePoint t0 = ctx.now();
    bool refuse = p.s("expect") == "refused";
    int expect = *value;
    if (refuse) {
        // A refused write must leave, and echo, what the DUT held before it.
        auto old = read_dut(ctx);
        if (!old) return old.status();
        expect = setting_from_status(s, *old);
    }
    auto echo = dut->write_setting(s, *value);
    if (!echo) return echo.status();
    const std::string name(drivers::to_string(s));
    Unit u = setting_unit(s);
    auto& me = ctx.add(name + ".echo", setting_to_si(s, *echo), u, exact(s, expect), 0.0, t0);
    if (me.verdict == Verdict::fail)
        me.message += refuse ? " (an out-of-range write must echo the old value)" : " (the DUT did not take the value)";
    // The DUT applies settings at its next measurement: read back until it shows, or the timeout.
    TimePoint until = ctx.now() + dur(p.seconds("readback_timeout"));
    for (Cadence cadence(ctx, dur(p.seconds("poll")));;) {
        auto r = read_dut(ctx);
        if (!r) return r.status();
        int got = setting_from_status(s, *r);
        if (got == expect || ctx.now() >= until) {
            ctx.add(name + ".read_back", setting_to_si(s, got), u, exact(s, expect), 0.0, t0);
            break;
        }
        RIG_TRY(cadence.wait());
    }
    return Status::ok();
}

Status apply_settings(StepContext& ctx) {
    auto* dut = ctx.bench.dut();
    if (!dut) return Status(Code::not_supported, "socket has no DUT link");
    for (auto& ps : ctx.plan.settings) {
        auto s = parse_setting(ps.name);
        if (!s) continue;
        TimePoint t0 = ctx.now();
        auto echo = dut->write_setting(*s, ps.value);
        if (!echo) return echo.status();
        ctx.add(ps.name, setting_to_si(*s, *echo), setting_unit(*s), exact(*s, ps.value), 0.0, t0);
    }
    return Status::ok();
}

Status temperature(StepContext& ctx) {
    const auto& p = ctx.p();
    if (!ctx.bench.has_temperature()) {
        ctx.skipped("temperature_error", "the fixture has no temperature input for this DUT");
        return Status::ok();
    }
    TimePoint t0 = ctx.now();
    auto r = read_dut(ctx);
    if (!r) return r.status();
    if (!r->temperature) {
        ctx.skipped("temperature_error", "the DUT reports no temperature");
        return Status::ok();
    }
    double ref = p.q("reference");
    ctx.add("temperature_error", r->temperature->value - ref, Unit::celsius, p.limit("limit"),
            p.q("reference_uncertainty"), t0);
    ctx.note("temperature", r->temperature->value, Unit::celsius, t0);
    return Status::ok();
}

}  // namespace rig::engine::steps
