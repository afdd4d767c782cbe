#include "rig/engine/sequencer.hpp"

#include <optional>

#include "rig/core/log.hpp"
#include "rig/engine/step_kind.hpp"

namespace rig::engine {

// ---- StepContext ------------------------------------------------------------------------

Status StepContext::sleep_until(TimePoint t) {
    constexpr Duration slice = std::chrono::milliseconds(500);
    for (;;) {
        TimePoint now = clock.now();
        RIG_TRY(bench.keepalive_if_due(now, slice));
        if (t - now <= slice) return clock.sleep_until(t, stop);
        RIG_TRY(clock.sleep_until(now + slice, stop));
    }
}

Measurement& StepContext::add(std::string name, double value, Unit unit, Limit limit, double uncertainty,
                              TimePoint started, std::vector<Sample> samples) {
    Measurement m;
    m.step = step.id;
    m.name = std::move(name);
    m.value = value;
    m.unit = unit;
    m.limit = std::move(limit);
    m.uncertainty = uncertainty;
    m.rule = plan.rule;
    m.started = started;
    m.ended = clock.now();
    m.samples = std::move(samples);
    m.judge();
    measurements_.push_back(std::move(m));
    return measurements_.back();
}

Measurement& StepContext::note(std::string name, double value, Unit unit, TimePoint started) {
    return add(std::move(name), value, unit, Limit::none(unit), 0.0, started);
}

Measurement& StepContext::error(std::string name, const Status& why, TimePoint started) {
    Measurement m;
    m.step = step.id;
    m.name = std::move(name);
    m.rule = plan.rule;
    m.started = started;
    m.ended = clock.now();
    m.set_error(why);
    measurements_.push_back(std::move(m));
    return measurements_.back();
}

Measurement& StepContext::skipped(std::string name, std::string why) {
    Measurement m;
    m.step = step.id;
    m.name = std::move(name);
    m.rule = plan.rule;
    m.started = m.ended = clock.now();
    m.set_skipped(std::move(why));
    measurements_.push_back(std::move(m));
    return measurements_.back();
}

// ---- Sequencer --------------------------------------------------------------------------

namespace {

class Env final : public ConditionEnv {
public:
    Env(const RunResults& r, const Bench& b) : r_(r), b_(b) {}
    std::optional<bool> fact(const std::string& name) const override {
        if (name == "fixture.has_temperature") return b_.has_temperature();
        auto dot = name.rfind('.');
        if (dot == std::string::npos) return std::nullopt;
        auto it = r_.step_verdicts.find(name.substr(0, dot));
        auto what = name.substr(dot + 1);
        if (it == r_.step_verdicts.end()) return what == "skipped" ? std::optional<bool>(true) : std::optional<bool>(false);
        Verdict v = it->second;
        if (what == "passed") return v == Verdict::pass;
        if (what == "failed") return v == Verdict::fail;
        if (what == "error") return v == Verdict::error;
        if (what == "skipped") return v == Verdict::skipped;
        if (what == "ran") return v != Verdict::skipped;
        return std::nullopt;
    }
    std::optional<double> number(const std::string& name) const override {
        if (name == "fixture.cell_count") return b_.cell_count();
        auto it = r_.values.find(name);
        if (it == r_.values.end()) return std::nullopt;
        return it->second;
    }

private:
    const RunResults& r_;
    const Bench& b_;
};

std::string describe_measurement(const Measurement& m) { return m.step + " " + m.name + ": " + m.message; }

struct Runner {
    Runner(Bench& b, Clock& c, reports::RecordSink& s, const Plan& p, const RunOptions& o)
        : bench(b), clock(c), sink(s), plan(p), options(o) {}
    Bench& bench;
    Clock& clock;
    reports::RecordSink& sink;
    const Plan& plan;
    const RunOptions& options;
    RunOutcome out;
    RunResults results;
    Status sink_status;
    bool aborted{false};
    std::string abort_reason;
    size_t index{0};
    size_t total{0};
    std::shared_ptr<spdlog::logger> log = rig::log::get("sequencer");

    void emit(Measurement m) {
        if (sink_status) {
            auto st = sink.add(m);
            if (!st) sink_status = st.with_context("record sink");
        }
        if (m.has_value()) {
            results.values[m.step + "." + m.name] = m.value;
            results.units[m.step + "." + m.name] = m.unit;
        }
        out.measurements.push_back(std::move(m));
    }

    // An ERROR of the rig outside any step (connect, the final safe state), as a measurement
    // so the record says what failed.
    void emit_rig_error(std::string step, std::string name, const Status& why) {
        Measurement m;
        m.step = std::move(step);
        m.name = std::move(name);
        m.rule = plan.rule;
        m.started = m.ended = clock.now();
        m.set_error(why);
        emit(std::move(m));
    }

    void finish_step(StepOutcome so) {
        results.step_verdicts[so.id] = so.verdict;
        if (options.on_step) options.on_step(so, index, total);
        out.steps.push_back(std::move(so));
    }

    void skip(const Step& step, const std::string& why) {
        ++index;
        Measurement m;
        m.step = step.id;
        m.name = "step";
        m.rule = plan.rule;
        m.started = m.ended = clock.now();
        m.set_skipped(why);
        emit(std::move(m));
        StepOutcome so;
        so.id = step.id;
        so.kind = step.kind_name;
        so.section = step.section;
        so.verdict = Verdict::skipped;
        so.measurements = 1;
        so.message = why;
        finish_step(std::move(so));
    }

    // Runs one step with its retries; returns its verdict.
    Verdict run_step(const Step& step, std::stop_token stop) {
        ++index;
        StepOutcome so;
        so.id = step.id;
        so.kind = step.kind_name;
        so.section = step.section;
        TimePoint t0 = clock.now();
        Env env(results, bench);
        if (step.when && !step.when->eval(env)) {
            --index;
            skip(step, "condition false: " + step.when->text());
            return Verdict::skipped;
        }
        Duration timeout = step.timeout.value_or(step.kind->default_timeout);
        std::vector<Measurement> kept;
        for (int attempt = 0;; ++attempt) {
            StepContext ctx(bench, clock, stop, plan, step, results, clock.now() + timeout);
            TimePoint started = clock.now();
            Status st = step.kind->run(ctx);
            so.attempts = attempt + 1;
            kept = std::move(ctx.measurements());
            if (st) break;
            if (st.code() == Code::cancelled || stop.stop_requested()) {
                aborted = true;
                if (abort_reason.empty()) abort_reason = "aborted during step " + step.id;
                Measurement m;
                m.step = step.id;
                m.name = "step";
                m.rule = plan.rule;
                m.started = started;
                m.ended = clock.now();
                m.set_error(Status(Code::cancelled, "run aborted during this step"));
                kept.push_back(std::move(m));
                break;
            }
            bool retryable = st.recovery() == Recovery::retry_call || st.recovery() == Recovery::retry_step;
            if (retryable && attempt < step.retry) {
                log->warn("step {}: attempt {} of {} failed ({}); retrying the step", step.id, attempt + 1,
                          step.retry + 1, st.describe());
                continue;
            }
            Measurement m;
            m.step = step.id;
            m.name = "step";
            m.rule = plan.rule;
            m.started = started;
            m.ended = clock.now();
            m.set_error(st);
            kept.push_back(std::move(m));
            break;
        }
        std::vector<Verdict> vs;
        for (auto& m : kept) {
            vs.push_back(m.verdict);
            if (so.message.empty() && (m.verdict == Verdict::fail || m.verdict == Verdict::error))
                so.message = m.name + ": " + m.message;
        }
        so.verdict = vs.empty() ? Verdict::pass : aggregate(vs);
        so.measurements = kept.size();
        for (auto& m : kept) emit(std::move(m));
        so.duration = clock.now() - t0;
        Verdict v = so.verdict;
        finish_step(std::move(so));
        return v;
    }
};

}  // namespace

RunOutcome Sequencer::run(const Plan& plan, const reports::RunInfo& info, std::stop_token stop,
                          const RunOptions& options) {
    Runner r(bench_, clock_, sink_, plan, options);
    r.out.started = clock_.now();
    // Connecting is part of the run, so a bench that cannot be reached still leaves a
    // record (ERROR, every step SKIPPED) and is still sent to its safe state. It comes
    // before the record is begun because the header names what answered: instrument and
    // DUT identities are only known once connected.
    Status connected = bench_.connect_all(format_iso8601(clock_.now()).substr(0, 10));
    reports::RunInfo header = info;
    header.instruments = bench_.instrument_records();
    if (auto* dut = bench_.dut(); dut && dut->connected()) {
        if (!dut->identity().model.empty()) header.dut_identity = dut->identity().model;
        if (!dut->identity().firmware.empty()) header.dut_firmware = dut->identity().firmware;
    }
    std::optional<KeepAlive> keepalive;
    if (connected && !clock_.is_virtual()) keepalive.emplace(bench_);
    r.sink_status = sink_.begin(header);
    if (!r.sink_status) r.sink_status = r.sink_status.with_context("record sink");
    StopPolicy policy = options.stop_policy.value_or(plan.stop_policy);

    // The settings of [settings] are written as a step of their own, after setup.
    Step settings_step;
    settings_step.id = "settings";
    settings_step.kind_name = "apply_settings";
    settings_step.kind = find_step_kind("apply_settings");
    settings_step.section = Section::setup;
    settings_step.where = SourcePos{plan.file, 0, 0};
    settings_step.key = "settings";

    std::vector<const Step*> main;
    for (auto& s : plan.setup) main.push_back(&s);
    if (!plan.settings.empty() && settings_step.kind) main.push_back(&settings_step);
    for (auto& s : plan.steps) main.push_back(&s);
    r.total = main.size() + plan.cleanup.size();

    std::string stopped_why;
    if (!connected) {
        r.emit_rig_error("connect", "bench", connected);
        stopped_why = "not run: the bench could not be connected";
    }
    for (const Step* s : main) {
        if (!r.sink_status && stopped_why.empty()) stopped_why = "not run: the record could not be written";
        if (stop.stop_requested() && !r.aborted) {
            r.aborted = true;
            r.abort_reason = "aborted before step " + s->id;
        }
        if (r.aborted) {
            r.skip(*s, "not run: run aborted");
            continue;
        }
        if (!stopped_why.empty()) {
            r.skip(*s, stopped_why);
            continue;
        }
        Verdict v = r.run_step(*s, stop);
        if (v == Verdict::error && policy != StopPolicy::continue_all)
            stopped_why = "not run: stopped after ERROR in " + s->id + " (" + std::string(to_string(policy)) + ")";
        if (v == Verdict::fail && policy == StopPolicy::stop_on_first_failure)
            stopped_why = "not run: stopped after FAIL in " + s->id + " (stop_on_first_failure)";
    }
    // Cleanup always runs, and is not cancellable: it is how the bench gets back to rest.
    for (auto& s : plan.cleanup) r.run_step(s, std::stop_token{});

    Status safe = bench_.safe();
    if (!safe) r.emit_rig_error("safe_state", "bench_safe", safe);
    if (stop.stop_requested() && !r.aborted) {
        r.aborted = true;
        r.abort_reason = "aborted";
    }

    std::vector<Verdict> vs;
    for (auto& m : r.out.measurements) vs.push_back(m.verdict);
    r.out.verdict = aggregate(vs);
    r.out.state = reports::RunState::completed;
    if (r.aborted) {
        r.out.state = reports::RunState::aborted;
        r.out.verdict = Verdict::error;
        r.out.reason = r.abort_reason;
    } else if (!r.sink_status) {
        r.out.verdict = Verdict::error;
        r.out.reason = r.sink_status.describe();
    } else {
        for (auto& m : r.out.measurements)
            if (m.verdict == r.out.verdict && (m.verdict == Verdict::fail || m.verdict == Verdict::error)) {
                r.out.reason = describe_measurement(m);
                break;
            }
    }
    r.out.ended = clock_.now();
    auto st = sink_.end(r.out.state, r.out.verdict, r.out.reason, r.out.ended);
    if (!st) {
        r.log->error("record sink: could not end the run record: {}", st.describe());
        r.out.verdict = Verdict::error;
        if (r.out.reason.empty()) r.out.reason = st.describe();
    }
    return std::move(r.out);
}

}  // namespace rig::engine
