// Cell steps: set_cells (put voltages on the DUT's pins), settle (wait until the DUT's own
// readings show them: event-driven, never a blind sleep), cell_accuracy (P1: DUT reading
// vs the emulator's readback on every pin) and cell_count (P9: detected = configured).
#include <cmath>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

namespace {

// The pin voltages a set_cells step asks for, given what is on the pins now.
Result<std::map<int, Volts>> planned_setpoints(const Params& p, const std::vector<int>& pins,
                                               const std::function<std::optional<double>(int)>& current) {
    std::map<int, Volts> sp;
    if (p.has("voltage"))
        for (int pin : pins) sp[pin] = Volts(p.q("voltage"));
    if (p.has("voltages")) {
        const auto& vs = p.list("voltages");
        for (size_t i = 0; i < vs.size() && i < pins.size(); ++i) sp[pins[i]] = Volts(vs[i]);
    }
    if (p.has("pattern")) {
        auto items = parse_pattern(p.s("pattern"));
        if (!items) return items.status();
        for (auto& it : *items) {
            if (it.mode == PatternItem::Mode::at) {
                sp[it.pin] = Volts(it.value_V);
                continue;
            }
            // Relative to the base this step sets, else to what the pin already has.
            std::optional<double> base;
            if (p.has("voltage")) base = p.q("voltage");
            else base = current(it.pin);
            if (!base)
                return Status(Code::invalid_argument, "pattern moves cell " + std::to_string(it.pin) +
                                                          " relative to its voltage, but nothing has set it yet (give `voltage`)");
            sp[it.pin] = Volts(*base + (it.mode == PatternItem::Mode::high ? it.value_V : -it.value_V));
        }
    }
    return sp;
}

}  // namespace

void check_set_cells(Step& step) {
    const auto& p = step.params;
    if (!p.has("voltage") && !p.has("voltages") && !p.has("pattern"))
        fail_param(step, "voltage", "set_cells needs `voltage`, `voltages` or `pattern`");
    if (p.has("pattern")) {
        auto items = parse_pattern(p.s("pattern"));
        if (!items) fail_param(step, "pattern", items.status().message());
    }
    if (p.has("voltages") && !p.pins("pins").empty() && p.list("voltages").size() != p.pins("pins").size())
        fail_param(step, "voltages", "has " + std::to_string(p.list("voltages").size()) + " values for " +
                                         std::to_string(p.pins("pins").size()) + " pins");
}

void validate_set_cells(const Step& step, const Fixture& fx, const SocketSpec& socket) {
    const auto& p = step.params;
    std::vector<int> pins = p.pins("pins");
    if (pins.empty())
        for (int k = 1; k <= socket.cell_count; ++k) pins.push_back(k);
    if (p.has("voltages") && p.list("voltages").size() > pins.size())
        fail_param(step, "voltages", "has more values than the socket's " + std::to_string(pins.size()) + " pins");
    auto sp = planned_setpoints(p, pins, [](int) { return std::optional<double>(); });
    if (!sp) return;  // relative pattern without a base: checked by the emulator at run time
    const SafeLimits* lim = fx.limits("cells");
    for (auto& [pin, v] : *sp) {
        if (pin > socket.cell_count)
            fail_param(step, "pattern", "cell " + std::to_string(pin) + " is not wired in socket " + socket.name);
        if (lim && lim->voltage && !lim->voltage->contains(v.value))
            fail_param(step, p.has("pattern") ? "pattern" : "voltage",
                       "B" + std::to_string(pin) + " at " + to_string(v) + " is outside the fixture's safe limits for cells [" +
                           format_quantity(lim->voltage->low, Unit::volt) + ", " +
                           format_quantity(lim->voltage->high, Unit::volt) + "]");
    }
}

Status set_cells(StepContext& ctx) {
    auto& b = ctx.bench;
    auto pins = b.pins_or_all(ctx.p().pins("pins"));
    auto sp = planned_setpoints(ctx.p(), pins, [&](int pin) -> std::optional<double> {
        auto v = b.pin_setpoint(pin);
        return v ? std::optional<double>(v->value) : std::nullopt;
    });
    if (!sp) return sp.status();
    RIG_TRY(b.set_pin_voltages(*sp));
    const auto& outputs = ctx.p().s("outputs");
    if (outputs == "on" && !b.cell_outputs_on()) RIG_TRY(b.set_cell_outputs(true));
    if (outputs == "off") RIG_TRY(b.set_cell_outputs(false));
    return Status::ok();
}

// Reads the DUT every `period` until `count` consecutive readings agree within `band` and
// (match) sit within `tol` of the setpoints; says whether that happened by `until`, and
// what the last reading was (a measurement at this instant can use it: reading again would
// see the same DUT measurement).
struct Settled {
    bool settled{false};
    drivers::DutStatus last;
};
Result<Settled> settle_dut(StepContext& ctx, const std::vector<int>& pins, double band, double tol, bool match,
                           int need, Duration period, const std::string& balancing, TimePoint until) {
    auto& b = ctx.bench;
    std::optional<drivers::DutStatus> prev;
    int stable = 0;
    Cadence cadence(ctx, period);
    for (;;) {
        auto r = read_dut(ctx);
        if (!r) return r.status();
        bool ok = true;
        for (int pin : pins) {
            size_t k = static_cast<size_t>(pin - 1);
            double now_v = k < r->cells.size() ? r->cells[k].value : 0.0;
            if (prev) {
                double before = k < prev->cells.size() ? prev->cells[k].value : 0.0;
                ok = ok && std::fabs(now_v - before) <= band + 1e-9;
            }
            if (match)
                if (auto sp = b.pin_setpoint(pin)) ok = ok && std::fabs(now_v - sp->value) <= tol + 1e-9;
        }
        if (balancing == "idle") ok = ok && !r->balancing();
        if (balancing == "active") ok = ok && r->balancing();
        stable = ok ? stable + 1 : 0;
        if (stable >= need || cadence.next() > until) return Settled{stable >= need, std::move(*r)};
        prev = std::move(*r);
        RIG_TRY(cadence.wait());
    }
}

Status settle(StepContext& ctx) {
    const auto& p = ctx.p();
    TimePoint t0 = ctx.now();
    auto ok = settle_dut(ctx, ctx.bench.pins_or_all(p.pins("pins")), p.q("band"), p.q("tolerance"),
                         p.b("match_setpoints"), static_cast<int>(p.i("count")), dur(p.seconds("period")),
                         p.s("balancing"), ctx.deadline);
    if (!ok) return ok.status();
    // Not settling is not a verdict on its own: the measurements that follow judge the DUT.
    auto& m = ctx.note("settle_time", std::chrono::duration<double>(ctx.now() - t0).count(), Unit::second, t0);
    if (!ok->settled) m.message = "DUT readings did not settle within the step's timeout";
    return Status::ok();
}

Status cell_accuracy(StepContext& ctx) {
    auto& b = ctx.bench;
    const auto& p = ctx.p();
    auto* cells = b.cells();
    if (!cells) return Status(Code::not_supported, "socket " + b.socket().name + " has no cell emulator");
    auto pins = b.pins_or_all(p.pins("pins"));
    std::vector<int> ch;
    for (int pin : pins) ch.push_back(b.channel_of_pin(pin));
    TimePoint t_set = ctx.now();
    std::optional<drivers::DutStatus> settled;  // the DUT's reading right now, if settling took one
    if (p.has("voltage")) {
        // Sets the point itself, then waits for the DUT to show it (so one for_each step
        // is one accuracy point). Pin 1 is kept at or above `pin1_min`: below its
        // shutdown threshold the DUT would stop answering.
        std::map<int, Volts> sp;
        for (int pin : b.pins_or_all({})) sp[pin] = Volts(p.q("voltage"));
        if (p.has("pin1_min")) sp[1] = Volts(std::max(p.q("voltage"), p.q("pin1_min")));
        RIG_TRY(b.set_pin_voltages(sp));
        if (!b.cell_outputs_on()) RIG_TRY(b.set_cell_outputs(true));
        auto ok = settle_dut(ctx, b.pins_or_all({}), p.q("band"), p.q("tolerance"), true, 2, dur(p.seconds("period")),
                             "any", ctx.now() + dur(p.seconds("settle_timeout")));
        if (!ok) return ok.status();
        auto& m = ctx.note("settle_time", std::chrono::duration<double>(ctx.now() - t_set).count(), Unit::second, t_set);
        if (!ok->settled) m.message = "DUT readings did not settle; judged as they are";
        settled = std::move(ok->last);
    }
    int reads = static_cast<int>(std::max<std::int64_t>(1, p.i("reads")));
    // Expanded (k=2) uncertainty: the reference's, and the DUT's 1 mV quantisation as a
    // rectangular distribution (standard uncertainty q / sqrt(12)).
    double u_ref = p.q("reference_uncertainty") / 2.0;
    double u_q = p.q("quantisation") / std::sqrt(12.0);
    double U = 2.0 * std::sqrt(u_ref * u_ref + u_q * u_q);
    TimePoint t0 = ctx.now();
    std::vector<std::vector<Sample>> errs(pins.size());
    Cadence cadence(ctx, dur(p.seconds("period")));
    for (int n = 0; n < reads; ++n) {
        if (n > 0) RIG_TRY(cadence.wait());
        auto ref = cells->read_voltages(ch);
        if (!ref) return ref.status();
        auto dut = n == 0 && settled ? Result<drivers::DutStatus>(*settled) : read_dut(ctx);
        if (!dut) return dut.status();
        TimePoint t = ctx.now();
        for (size_t i = 0; i < pins.size(); ++i) {
            size_t k = static_cast<size_t>(pins[i] - 1);
            double reading = k < dut->cells.size() ? dut->cells[k].value : 0.0;
            errs[i].push_back({t, reading - (*ref)[i].value});
        }
    }
    for (size_t i = 0; i < pins.size(); ++i) {
        auto st = stats_of(errs[i]);
        ctx.add("cell_error.B" + std::to_string(pins[i]), st.mean, Unit::volt, p.limit("limit"), U, t0, std::move(errs[i]));
    }
    return Status::ok();
}

Status cell_count(StepContext& ctx) {
    TimePoint t0 = ctx.now();
    int expect = ctx.bench.cell_count();
    if (ctx.p().has("expect")) expect = static_cast<int>(ctx.p().i("expect"));
    else if (auto s = ctx.plan.setting("cell_count")) expect = *s;
    auto r = read_dut(ctx);
    if (!r) return r.status();
    Limit l = Limit::range(expect, expect, Unit::none);
    ctx.add("detected_cells", r->detected_cells, Unit::none, l, 0.0, t0);
    ctx.add("configured_cells", r->configured_cells, Unit::none, l, 0.0, t0);
    return Status::ok();
}

}  // namespace rig::engine::steps
