// supply_power (P7): at each B+ voltage, the power the DUT draws (supply voltage x meter
// DC current), while it balances, and that it still answers at both ends of the range.
#include <cmath>

#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

Status supply_power(StepContext& ctx) {
    const auto& p = ctx.p();
    auto* supply = ctx.bench.supply();
    if (!supply) return Status(Code::not_supported, "socket " + ctx.bench.socket().name + " has no supply");
    Duration poll = dur(p.seconds("interval"));
    if (p.b("require_balancing")) {
        TimePoint t0 = ctx.now();
        TimePoint until = ctx.now() + dur(p.seconds("balance_timeout"));
        bool balancing = false;
        for (Cadence cadence(ctx, poll);;) {
            auto r = read_dut(ctx);
            if (!r) return r.status();
            balancing = r->balancing();
            if (balancing || ctx.now() >= until) break;
            RIG_TRY(cadence.wait());
        }
        auto& m = ctx.note("balancing", balancing ? 1.0 : 0.0, Unit::none, t0);
        if (!balancing) m.message = "the DUT was not balancing while its supply power was measured";
    }
    auto before = supply->measure_voltage();
    int samples_n = static_cast<int>(std::max<std::int64_t>(1, p.i("samples")));
    for (double v : p.list("voltages")) {
        TimePoint t0 = ctx.now();
        std::string suffix = "." + compact(v, Unit::volt);
        RIG_TRY(supply->set_voltage(Volts(v)));
        RIG_TRY(ctx.sleep_for(dur(p.seconds("settle"))));
        std::vector<Sample> s;
        double u_sum = 0.0;
        Cadence cadence(ctx, poll);
        for (int n = 0; n < samples_n; ++n) {
            if (n > 0) RIG_TRY(cadence.wait());
            double u = 0.0;
            auto a = supply_current_A(ctx, &u);
            if (!a) return a.status();
            u_sum += u;
            s.push_back({ctx.now(), *a});
        }
        auto vm = supply->measure_voltage();
        double volts = vm ? vm->value : v;
        auto st = stats_of(s);
        std::vector<Sample> power;
        for (auto& x : s) power.push_back({x.t, x.value * volts});
        double U = volts * (u_sum / samples_n) + st.mean * p.q("voltage_uncertainty");
        ctx.add("supply_power" + suffix, st.mean * volts, Unit::watt, p.limit("limit"), U, t0, std::move(power));
        auto r = read_dut(ctx);
        if (!r && !is_dut_silence(r.status())) return r.status();
        auto& m = ctx.add("dut_answers" + suffix, r ? 1.0 : 0.0, Unit::none, Limit::at_least(1.0, Unit::none), 0.0, t0);
        if (!r) m.message = "the DUT does not answer with B+ at " + format_quantity(v, Unit::volt);
    }
    double back = p.has("restore") ? p.q("restore") : (before ? before->value : 0.0);
    if (back > 0) RIG_TRY(supply->set_voltage(Volts(back)));
    return Status::ok();
}

}  // namespace rig::engine::steps
