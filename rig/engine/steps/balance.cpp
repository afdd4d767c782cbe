// Balancing steps (P2, P3, P4, P8 effects): make cells differ, wait for the balancer to
// react (an event: current appears on the emulator channels), then sample the currents the
// emulator sources/sinks. The only fixed waits are where the absence of an event is the
// point (no_balancing): the DUT's measure period plus its balance start delay.
#include <algorithm>
#include <cmath>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

namespace {

// Waits until |current| on `pin` reaches `threshold` or `until`; returns whether it did.
Result<bool> wait_current(StepContext& ctx, const std::vector<int>& pins, double threshold, TimePoint until,
                          Duration poll) {
    for (;;) {
        auto r = pin_currents_A(ctx, pins);
        if (!r) return r.status();
        bool all = true;
        for (double a : *r) all = all && std::fabs(a) >= threshold;
        if (all) return true;
        if (ctx.now() >= until) return false;
        RIG_TRY(ctx.sleep_until(std::min(until, ctx.now() + poll)));
    }
}

}  // namespace

Status balance_current(StepContext& ctx) {
    const auto& p = ctx.p();
    int high = static_cast<int>(p.i("high_pin")), low = static_cast<int>(p.i("low_pin"));
    const auto& deltas = p.list("deltas");
    const std::string& base_name = p.s("name");
    Duration poll = dur(p.seconds("interval"));
    double u_ref = p.q("reference_uncertainty");
    std::vector<double> means;
    for (double delta : deltas) {
        TimePoint t0 = ctx.now();
        std::string suffix = deltas.size() > 1 ? "." + compact(delta, Unit::volt) : "";
        RIG_TRY(set_pair(ctx, p.q("base"), high, low, delta));
        auto started = wait_current(ctx, {high}, p.q("start_current"), ctx.now() + dur(p.seconds("start_timeout")), poll);
        if (!started) return started.status();
        std::vector<Sample> samples;
        TimePoint end = ctx.now() + dur(p.seconds("duration"));
        for (;;) {
            auto r = pin_currents_A(ctx, {high});
            if (!r) return r.status();
            samples.push_back({ctx.now(), std::fabs((*r)[0])});
            if (ctx.now() + poll > end) break;
            RIG_TRY(ctx.sleep_for(poll));
        }
        auto st = stats_of(samples);
        means.push_back(st.mean);
        double U = std::sqrt(u_ref * u_ref + (st.n > 1 ? 4.0 * st.stddev * st.stddev / static_cast<double>(st.n) : 0.0));
        auto& m = ctx.add(base_name + suffix, st.mean, Unit::ampere, p.limit("limit"), U, t0, samples);
        if (!*started) m.message += " (no balancing current within " + format_quantity(p.q("start_timeout"), Unit::second) + ")";
        ctx.note(base_name + "_ripple" + suffix, st.stddev, Unit::ampere, t0);
    }
    if (means.size() > 1) {
        auto [mn, mx] = std::minmax_element(means.begin(), means.end());
        ctx.add(base_name + "_spread", *mx - *mn, Unit::ampere, p.limit("same_limit"), 2.0 * u_ref, ctx.now());
    }
    return Status::ok();
}

Status balance_leads(StepContext& ctx) {
    // Every balance lead must carry current: cell k high and cell k + n/2 low, for every k
    // of the first half, so each pin is on one side of one pair.
    const auto& p = ctx.p();
    auto pins = ctx.bench.pins_or_all(p.pins("pins"));
    size_t half = pins.size() / 2;
    Duration poll = dur(p.seconds("interval"));
    std::vector<std::pair<int, int>> pairs;
    for (size_t i = 0; i < half; ++i) pairs.emplace_back(pins[i], pins[i + half]);
    if (pins.size() % 2 == 1 && pins.size() > 1) pairs.emplace_back(pins.back(), pins.front());
    for (size_t i = 0; i < pairs.size(); ++i) {
        auto [high, low] = pairs[i];
        TimePoint t0 = ctx.now();
        RIG_TRY(set_pair(ctx, p.q("base"), high, low, p.q("delta")));
        auto ok = wait_current(ctx, {high, low}, p.q("start_current"), ctx.now() + dur(p.seconds("start_timeout")), poll);
        if (!ok) return ok.status();
        auto r = pin_currents_A(ctx, {high, low});
        if (!r) return r.status();
        ctx.add("balance_lead.B" + std::to_string(high), std::fabs((*r)[0]), Unit::ampere, p.limit("limit"),
                p.q("reference_uncertainty"), t0);
        if (i < half)
            ctx.add("balance_lead.B" + std::to_string(low), std::fabs((*r)[1]), Unit::ampere, p.limit("limit"),
                    p.q("reference_uncertainty"), t0);
    }
    return Status::ok();
}

Status no_balancing(StepContext& ctx) {
    const auto& p = ctx.p();
    int high = static_cast<int>(p.i("high_pin")), low = static_cast<int>(p.i("low_pin"));
    Duration poll = dur(p.seconds("interval"));
    double limit_A = p.limit("limit").high.value_or(0.05);
    TimePoint t0 = ctx.now();
    RIG_TRY(set_pair(ctx, p.q("base"), high, low, p.q("delta")));
    // Balancing left over from an earlier step stops at the DUT's next measurement; the
    // observation window starts once it has (or at once when nothing was flowing).
    std::vector<Sample> samples;
    TimePoint stop_by = ctx.now() + dur(p.seconds("stop_timeout"));
    for (;;) {
        auto r = pin_currents_A(ctx, {high, low});
        if (!r) return r.status();
        double mx = std::max(std::fabs((*r)[0]), std::fabs((*r)[1]));
        if (mx <= limit_A || ctx.now() >= stop_by) break;
        RIG_TRY(ctx.sleep_for(poll));
    }
    // The absence of an event can only be seen by waiting: the DUT's measure period plus
    // its balance start delay (`observe`).
    TimePoint end = ctx.now() + dur(p.seconds("observe"));
    double worst = 0.0;
    for (;;) {
        auto r = pin_currents_A(ctx, {high, low});
        if (!r) return r.status();
        double mx = std::max(std::fabs((*r)[0]), std::fabs((*r)[1]));
        worst = std::max(worst, mx);
        samples.push_back({ctx.now(), mx});
        if (ctx.now() >= end) break;
        RIG_TRY(ctx.sleep_until(std::min(end, ctx.now() + poll)));
    }
    ctx.add(p.s("name"), worst, Unit::ampere, p.limit("limit"), p.q("reference_uncertainty"), t0, std::move(samples));
    return Status::ok();
}

}  // namespace rig::engine::steps
