// Balancing steps (P2, P3, P4, P8 effects): make cells differ, wait for the balancer to
// react (an event: current appears on the emulator channels), then sample the currents the
// emulator sources/sinks. The only fixed waits are where the absence of an event is the
// point (no_balancing): the DUT's measure period plus its balance start delay.
#include <algorithm>
#include <cmath>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

namespace {

// Waits until |current| on every pin of `pins` reaches `threshold` or `until`; says whether
// it did, with the last reading (taken at this instant: a measurement can start from it).
struct Reached {
    bool reached{false};
    std::vector<double> currents_A;  // by pin, as pins
};
Result<Reached> wait_current(StepContext& ctx, const std::vector<int>& pins, double threshold, TimePoint until,
                             Duration poll) {
    Cadence cadence(ctx, poll);
    for (;;) {
        auto r = pin_currents_A(ctx, pins);
        if (!r) return r.status();
        bool all = true;
        for (double a : *r) all = all && std::fabs(a) >= threshold;
        if (all || ctx.now() >= until) return Reached{all, std::move(*r)};
        RIG_TRY(cadence.wait(until));
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
        // The sampling starts now, with the reading the wait just took.
        std::vector<Sample> samples{{ctx.now(), std::fabs(started->currents_A[0])}};
        TimePoint end = ctx.now() + dur(p.seconds("duration"));
        for (Cadence cadence(ctx, poll); cadence.next() <= end;) {
            RIG_TRY(cadence.wait());
            auto r = pin_currents_A(ctx, {high});
            if (!r) return r.status();
            samples.push_back({ctx.now(), std::fabs((*r)[0])});
        }
        auto st = stats_of(samples);
        means.push_back(st.mean);
        double U = std::sqrt(u_ref * u_ref + (st.n > 1 ? 4.0 * st.stddev * st.stddev / static_cast<double>(st.n) : 0.0));
        auto& m = ctx.add(base_name + suffix, st.mean, Unit::ampere, p.limit("limit"), U, t0, samples);
        if (!started->reached) m.message += " (no balancing current within " + format_quantity(p.q("start_timeout"), Unit::second) + ")";
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
        // Judged on the reading that ended the wait (reading again at this instant would
        // see the same currents).
        auto r = wait_current(ctx, {high, low}, p.q("start_current"), ctx.now() + dur(p.seconds("start_timeout")), poll);
        if (!r) return r.status();
        const auto& a = r->currents_A;
        ctx.add("balance_lead.B" + std::to_string(high), std::fabs(a[0]), Unit::ampere, p.limit("limit"),
                p.q("reference_uncertainty"), t0);
        if (i < half)
            ctx.add("balance_lead.B" + std::to_string(low), std::fabs(a[1]), Unit::ampere, p.limit("limit"),
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
    auto largest = [&]() -> Result<double> {
        auto r = pin_currents_A(ctx, {high, low});
        if (!r) return r.status();
        return std::max(std::fabs((*r)[0]), std::fabs((*r)[1]));
    };
    TimePoint stop_by = ctx.now() + dur(p.seconds("stop_timeout"));
    Result<double> mx = 0.0;
    for (Cadence cadence(ctx, poll);;) {
        mx = largest();
        if (!mx) return mx.status();
        if (*mx <= limit_A || ctx.now() >= stop_by) break;
        RIG_TRY(cadence.wait());
    }
    // The absence of an event can only be seen by waiting: the DUT's measure period plus
    // its balance start delay (`observe`). The window opens with the reading just taken.
    TimePoint end = ctx.now() + dur(p.seconds("observe"));
    std::vector<Sample> samples{{ctx.now(), *mx}};
    double worst = *mx;
    for (Cadence cadence(ctx, poll); ctx.now() < end;) {
        RIG_TRY(cadence.wait(end));
        mx = largest();
        if (!mx) return mx.status();
        worst = std::max(worst, *mx);
        samples.push_back({ctx.now(), *mx});
    }
    ctx.add(p.s("name"), worst, Unit::ampere, p.limit("limit"), p.q("reference_uncertainty"), t0, std::move(samples));
    return Status::ok();
}

}  // namespace rig::engine::steps
