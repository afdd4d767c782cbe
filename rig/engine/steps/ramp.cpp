// ramp_until (P5, P6): move one pin (cell 1 by default) down or up in steps until the DUT
// shuts down (supply current falls AND communication stops) or powers up (supply current
// rises AND it answers). Coarse-then-fine: each finer level restarts from the last voltage
// before the event (bringing the DUT back to its state before the event first), so a
// 10 mV / 1 mV threshold costs a handful of steps, not hundreds. Each step waits `dwell`
// (at least the DUT's measure period) unless the event shows earlier.
#include <cmath>
#include <limits>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

Status ramp_until(StepContext& ctx) {
    const auto& p = ctx.p();
    const bool down = p.s("event") == "shutdown";
    const int pin = static_cast<int>(p.i("pin"));
    const double from = p.q("from"), to = p.q("to"), resolution = p.q("resolution");
    const double on_A = p.q("on_current");
    const Duration dwell = dur(p.seconds("dwell")), poll = dur(p.seconds("poll"));
    const Duration restart = dur(p.seconds("restart_timeout"));
    const std::string name = p.has("name") ? p.s("name") : (down ? "shutdown_V" : "power_on_V");
    const TimePoint t0 = ctx.now();
    std::vector<Sample> samples;

    auto set_pin = [&](double v) -> Status {
        RIG_TRY(ctx.bench.set_pin_voltages({{pin, Volts(v)}}));
        samples.push_back({ctx.now(), v});
        return Status::ok();
    };
    auto is_on = [&]() -> Result<bool> {
        auto a = supply_current_A(ctx);
        if (!a) return a.status();
        return *a >= on_A;
    };
    // Polls the supply current until the DUT is in `want` or `until`; returns the state seen.
    // `moved`: the pin was just moved on from a level where the DUT was seen in the other
    // state. The DUT reacts at its next measurement, so a poll at once could only see the
    // state of the level before: the first poll is one `poll` later.
    auto wait_state = [&](bool want, TimePoint until, bool moved = false) -> Result<bool> {
        Cadence cadence(ctx, poll);
        if (moved) RIG_TRY(cadence.wait(until));
        for (;;) {
            auto on = is_on();
            if (!on) return on;
            if (*on == want || ctx.now() >= until) return *on;
            RIG_TRY(cadence.wait(until));
        }
    };
    auto fail = [&](const std::string& why) {
        auto& m = ctx.add(name, std::numeric_limits<double>::quiet_NaN(), Unit::volt, p.limit("limit"), 0.0, t0, samples);
        m.verdict = Verdict::fail;  // the DUT did not do what it promises; the rig saw it do so
        m.zone = Zone::outside;
        m.message = why;
        return Status::ok();
    };

    std::vector<double> levels;
    for (double c = std::max(p.q("coarse"), resolution); c > resolution * 1.0001; c = std::max(resolution, c / 5.0))
        levels.push_back(c);
    levels.push_back(resolution);

    // Start from the state before the event: on for a shutdown ramp, off for a power-up ramp.
    RIG_TRY(set_pin(from));
    if (down) {
        auto on = wait_state(true, ctx.now() + dwell);
        if (!on) return on.status();
        if (!*on)
            return Status(Code::invalid_argument, "ramp_until shutdown: the DUT draws no supply current at the start (" +
                                                      format_quantity(from, Unit::volt) + "); power it up first");
    } else {
        auto on = wait_state(false, ctx.now() + dwell);
        if (!on) return on.status();
        if (*on) {
            RIG_TRY(set_pin(p.q("reset")));
            auto off = wait_state(false, ctx.now() + restart);
            if (!off) return off.status();
            if (*off) return fail("the DUT stays on with cell " + std::to_string(pin) + " at " + format_quantity(p.q("reset"), Unit::volt));
            RIG_TRY(set_pin(from));
            auto still = wait_state(true, ctx.now() + dwell);
            if (!still) return still.status();
            if (*still) return fail("the DUT started at " + format_quantity(from, Unit::volt) + ", the start of the ramp");
        }
    }

    double before = from;  // last voltage without the event
    double event_at = std::numeric_limits<double>::quiet_NaN();
    const double dir = down ? -1.0 : 1.0;
    for (size_t li = 0; li < levels.size(); ++li) {
        bool found = false;
        double v = before;
        for (;;) {
            double next = std::round((v + dir * levels[li]) * 1e6) / 1e6;
            if (down ? next < to - 1e-9 : next > to + 1e-9) break;
            RIG_TRY(set_pin(next));
            auto seen = wait_state(!down, ctx.now() + dwell, true);
            if (!seen) return seen.status();
            if (*seen == !down) {
                found = true;
                event_at = next;
                break;
            }
            v = before = next;
        }
        if (!found) {
            event_at = std::numeric_limits<double>::quiet_NaN();
            break;
        }
        if (li + 1 == levels.size()) break;
        // Back to the state before the event, then on with a finer step from `before`.
        RIG_TRY(set_pin(down ? p.q("recover") : p.q("reset")));
        auto back = wait_state(down, ctx.now() + restart);
        if (!back) return back.status();
        if (*back != down) {
            // Cannot refine: keep the coarse result, and say so.
            auto& m = ctx.add(name, event_at, Unit::volt, p.limit("limit"), levels[li], t0, samples);
            m.message += " (coarse only: the DUT did not " + std::string(down ? "restart" : "switch off") + " to refine)";
            return Status::ok();
        }
        RIG_TRY(set_pin(before));
        auto again = wait_state(down, ctx.now() + dwell);
        if (!again) return again.status();
    }
    if (std::isnan(event_at))
        return fail(std::string(down ? "no shutdown" : "no power-up") + " while cell " + std::to_string(pin) + " went from " +
                    format_quantity(from, Unit::volt) + " to " + format_quantity(to, Unit::volt));

    // The second half of the event: communication.
    std::string comms_note;
    if (p.b("confirm_comms")) {
        if (down) {
            // Silence is the expected answer: one request proves it (retries are for noisy
            // lines, and each would cost another reply time).
            auto r = read_dut(ctx, DutRead::probe);
            if (r) return fail("supply current fell at " + format_quantity(event_at, Unit::volt) + " but the DUT still answers");
            if (!is_dut_silence(r.status())) return r.status();
        } else {
            auto a = wait_dut_answers(ctx, ctx.now() + restart, poll);
            if (!a) return a.status();
            if (!a->has_value())
                return fail("supply current rose at " + format_quantity(event_at, Unit::volt) + " but the DUT does not answer");
        }
    }
    ctx.add(name, event_at, Unit::volt, p.limit("limit"), p.q("reference_uncertainty"), t0, std::move(samples));
    ctx.note(name + "_resolution", levels.back(), Unit::volt, t0);
    if (p.b("restore")) {
        RIG_TRY(ctx.bench.set_pin_voltages({{pin, Volts(p.q("recover"))}}));
        if (down) {
            auto on = wait_state(true, ctx.now() + restart);
            if (!on) return on.status();
        }
    }
    return Status::ok();
}

}  // namespace rig::engine::steps
