// power_up / power_down: energise the DUT in the order the hardware needs (cells first, so
// the DUT's first power-up condition on cell 1 holds; then the comms and B+ relays; then
// the supply), and wait for the event that says it worked: the DUT answering a read-all.
#include "rig/engine/steps/common.hpp"

namespace rig::engine::steps {

Status power_up(StepContext& ctx) {
    auto& b = ctx.bench;
    const auto& p = ctx.p();
    TimePoint t0 = ctx.now();
    std::map<int, Volts> sp;
    for (int pin : b.pins_or_all({})) sp[pin] = Volts(p.q("cells"));
    RIG_TRY(b.set_pin_voltages(sp));
    RIG_TRY(b.set_cell_outputs(true));
    if (b.has_relay("comms")) RIG_TRY(b.set_relay("comms", true));
    if (b.has_relay("bplus")) RIG_TRY(b.set_relay("bplus", true));
    auto* supply = b.supply();
    if (!supply) return Status(Code::not_supported, "socket " + b.socket().name + " has no supply");
    RIG_TRY(supply->set_current_limit(Amps(p.q("current_limit"))));
    RIG_TRY(supply->set_voltage(Volts(p.q("supply_voltage"))));
    RIG_TRY(supply->set_output(true));
    TimePoint on = ctx.now();
    // First the cheap sign of life (B+ current), then the DUT's own answer: a read-all
    // sent before the DUT is up costs a whole reply timeout.
    bool drawing = false;
    Cadence cadence(ctx, dur(p.seconds("poll")));
    for (;;) {
        auto a = supply_current_A(ctx);
        if (!a) return a.status();
        drawing = *a >= p.q("on_current");
        if (drawing || ctx.now() >= ctx.deadline) break;
        RIG_TRY(cadence.wait(ctx.deadline));
    }
    if (!drawing) {
        auto& m = ctx.add("dut_answers", 0.0, Unit::none, Limit::at_least(1.0, Unit::none), 0.0, t0);
        m.message = "the DUT draws no B+ current (below " + format_quantity(p.q("on_current"), Unit::ampere) +
                    ") within the step's timeout: it did not start";
        return Status::ok();
    }
    // It draws current, so it is up: it answers within its reply time or not at all.
    auto answer = wait_dut_answers(ctx, ctx.deadline, dur(p.seconds("poll")), static_cast<int>(p.i("silent_reads")));
    if (!answer) return answer.status();
    auto& m = ctx.add("dut_answers", answer->has_value() ? 1.0 : 0.0, Unit::none, Limit::at_least(1.0, Unit::none), 0.0, t0);
    if (!answer->has_value()) {
        m.message = "the DUT draws B+ current but did not answer " + std::to_string(p.i("silent_reads")) +
                    " read-alls in a row (a silent DUT is a FAIL of the DUT: every rig instrument answered)";
        return Status::ok();
    }
    ctx.note("startup_time", std::chrono::duration<double>(ctx.now() - on).count(), Unit::second, on);
    return Status::ok();
}

Status power_down(StepContext& ctx) {
    auto& b = ctx.bench;
    // Everything is attempted; the first error is reported.
    Status first;
    auto keep = [&](Status s) {
        if (!s && first) first = std::move(s);
    };
    if (auto* s = b.supply()) keep(s->set_output(false));
    if (b.has_relay("bplus")) keep(b.set_relay("bplus", false));
    if (b.has_relay("comms")) keep(b.set_relay("comms", false));
    if (ctx.p().b("cells_off")) keep(b.set_cell_outputs(false));
    return first;
}

}  // namespace rig::engine::steps
