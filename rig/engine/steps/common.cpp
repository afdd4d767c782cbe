#include "rig/engine/steps/common.hpp"

#include <charconv>
#include <cmath>

namespace rig::engine::steps {

Duration dur(Seconds s) { return std::chrono::duration_cast<Duration>(s); }

bool is_dut_silence(const Status& s) { return s.code() == Code::timeout; }

Result<drivers::DutStatus> read_dut(StepContext& ctx, DutRead how) {
    auto* dut = ctx.bench.dut();
    if (!dut) return Status(Code::not_supported, "socket " + ctx.bench.socket().name + " has no DUT link");
    TimePoint t0 = ctx.now();
    auto read = [&] { return how == DutRead::probe ? dut->probe() : dut->read_all(); };
    Result<drivers::DutStatus> r = read();  // real time: KeepAlive feeds the watchdog meanwhile
    // Every unanswered request costs the PROTOCOL's reply time on a real line, whatever this
    // wire waited (in virtual time the twin answers at once, so the bench gives its links a
    // short wire timeout): give it to the clock, so physics keeps pace and virtual time
    // costs what real time would. A no-op in real time when the wire waited that long.
    int unanswered = 0;
    if (r) unanswered = r->attempts - 1;
    else if (is_dut_silence(r.status())) unanswered = how == DutRead::probe ? 1 : dut->read_attempts();
    if (unanswered > 0) RIG_TRY(ctx.sleep_until(t0 + dut->protocol_timeout() * unanswered));
    return r;
}

Status Cadence::wait(TimePoint until) {
    RIG_TRY(ctx_.sleep_until(std::min(until, next())));
    started_ = ctx_.now();
    return Status::ok();
}

Result<std::optional<drivers::DutStatus>> wait_dut_answers(StepContext& ctx, TimePoint until, Duration poll,
                                                          int max_silent) {
    Cadence cadence(ctx, poll);
    for (int silent = 1;; ++silent) {
        auto r = read_dut(ctx);
        if (r) return std::optional<drivers::DutStatus>(*r);
        if (!is_dut_silence(r.status())) return r.status();
        if (ctx.now() >= until || (max_silent > 0 && silent >= max_silent)) return std::optional<drivers::DutStatus>();
        RIG_TRY(cadence.wait(until));
    }
}

Result<double> supply_current_A(StepContext& ctx, double* uncertainty) {
    if (auto* m = ctx.bench.meter()) {
        auto r = m->read();
        if (!r) return r.status();
        if (uncertainty) *uncertainty = m->uncertainty(*r);
        return *r;
    }
    if (auto* s = ctx.bench.supply()) {
        auto r = s->measure_current();
        if (!r) return r.status();
        if (uncertainty) *uncertainty = 0.001 + 0.002 * std::fabs(r->value);  // a bench supply's readback
        return r->value;
    }
    return Status(Code::not_supported, "socket " + ctx.bench.socket().name + " has neither meter nor supply");
}

Result<std::vector<double>> pin_currents_A(StepContext& ctx, const std::vector<int>& pins) {
    auto* cells = ctx.bench.cells();
    if (!cells) return Status(Code::not_supported, "socket " + ctx.bench.socket().name + " has no cell emulator");
    std::vector<int> ch;
    ch.reserve(pins.size());
    for (int p : pins) ch.push_back(ctx.bench.channel_of_pin(p));
    auto r = cells->read_currents(ch);
    if (!r) return r.status();
    std::vector<double> out;
    out.reserve(r->size());
    for (auto a : *r) out.push_back(a.value);
    return out;
}

Status set_pair(StepContext& ctx, double base_V, int high, int low, double delta_V) {
    std::map<int, Volts> sp;
    for (int p : ctx.bench.pins_or_all({})) sp[p] = Volts(base_V);
    sp[high] = Volts(base_V + delta_V / 2);
    sp[low] = Volts(base_V - delta_V / 2);
    return ctx.bench.set_pin_voltages(sp);
}

std::string compact(double si, Unit u) {
    std::string s = format_quantity(si, u, 4);
    // "50.00 mV" -> "50mV", "2.500 V" -> "2.5V"
    std::string out;
    for (char c : s)
        if (c != ' ') out += c;
    auto num_end = out.find_first_not_of("0123456789.-");
    std::string num = out.substr(0, num_end), unit = num_end == std::string::npos ? "" : out.substr(num_end);
    if (num.find('.') != std::string::npos) {
        while (!num.empty() && num.back() == '0') num.pop_back();
        if (!num.empty() && num.back() == '.') num.pop_back();
    }
    return num + unit;
}

std::optional<drivers::DutSetting> parse_setting(std::string_view name) {
    using S = drivers::DutSetting;
    if (name == "cell_count") return S::cell_count;
    if (name == "trigger_delta") return S::trigger_delta;
    if (name == "max_balance_current") return S::max_balance_current;
    if (name == "balancing_switch") return S::balancing_switch;
    return std::nullopt;
}

Unit setting_unit(drivers::DutSetting s) {
    switch (s) {
        case drivers::DutSetting::trigger_delta: return Unit::volt;
        case drivers::DutSetting::max_balance_current: return Unit::ampere;
        default: return Unit::none;
    }
}

double setting_to_si(drivers::DutSetting s, int v) {
    switch (s) {
        case drivers::DutSetting::trigger_delta:
        case drivers::DutSetting::max_balance_current: return v * 1e-3;
        default: return v;
    }
}

int setting_from_status(drivers::DutSetting s, const drivers::DutStatus& st) {
    switch (s) {
        case drivers::DutSetting::cell_count: return st.configured_cells;
        case drivers::DutSetting::trigger_delta: return static_cast<int>(std::lround(st.trigger_delta.value * 1000));
        case drivers::DutSetting::max_balance_current: return static_cast<int>(std::lround(st.max_balance_current.value * 1000));
        case drivers::DutSetting::balancing_switch: return st.balancing_switch ? 1 : 0;
    }
    return 0;
}

Result<int> setting_protocol_value(drivers::DutSetting s, const std::string& text) {
    if (s == drivers::DutSetting::balancing_switch) {
        if (text == "on" || text == "true") return 1;
        if (text == "off" || text == "false") return 0;
    }
    Unit u = setting_unit(s);
    double v = 0;
    if (u == Unit::none) {
        auto n = parse_number(text);
        if (!n || *n != std::floor(*n))
            return Status(Code::invalid_argument, "expected an integer" +
                                                      std::string(s == drivers::DutSetting::balancing_switch ? " or on/off" : "") +
                                                      ", got \"" + text + "\"");
        v = *n;
    } else {
        auto q = parse_as(u, text);
        if (!q) return q.status();
        v = *q * 1000.0;
    }
    if (v < 0 || v > 65535) return Status(Code::invalid_argument, "\"" + text + "\" does not fit the protocol's 16 bits");
    return static_cast<int>(std::lround(v));
}

Result<std::vector<PatternItem>> parse_pattern(const std::string& text) {
    std::vector<PatternItem> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find_first_of(";,", start);
        std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? text.size() + 1 : end + 1;
        // words: cell N high by Q | cell N low by Q | cell N at Q
        std::vector<std::string> w;
        size_t i = 0;
        while (i < part.size()) {
            while (i < part.size() && part[i] == ' ') ++i;
            size_t j = i;
            while (j < part.size() && part[j] != ' ') ++j;
            if (j > i) w.push_back(part.substr(i, j - i));
            i = j;
        }
        if (w.empty()) continue;
        auto bad = [&](const std::string& why) {
            return Status(Code::invalid_argument, "pattern \"" + part + "\": " + why +
                                                      " (write \"cell 7 high by 50 mV\", \"cell 3 low by 20 mV\" or \"cell 1 at 3.0 V\")");
        };
        if (w.size() < 4 || (w[0] != "cell" && w[0] != "pin")) return bad("expected 'cell N ...'");
        std::string pin_text = w[1];
        if (!pin_text.empty() && pin_text[0] == 'B') pin_text = pin_text.substr(1);
        auto pin = parse_number(pin_text);
        if (!pin || *pin < 1 || *pin > 48 || *pin != std::floor(*pin)) return bad("bad cell number \"" + w[1] + "\"");
        PatternItem it;
        it.pin = static_cast<int>(*pin);
        std::string qty;
        if ((w[2] == "high" || w[2] == "low") && w.size() >= 5 && w[3] == "by") {
            it.mode = w[2] == "high" ? PatternItem::Mode::high : PatternItem::Mode::low;
            for (size_t k = 4; k < w.size(); ++k) qty += (qty.empty() ? "" : " ") + w[k];
        } else if (w[2] == "at") {
            it.mode = PatternItem::Mode::at;
            for (size_t k = 3; k < w.size(); ++k) qty += (qty.empty() ? "" : " ") + w[k];
        } else {
            return bad("expected 'high by', 'low by' or 'at'");
        }
        auto v = parse_as(Unit::volt, qty);
        if (!v) return bad(v.status().message());
        it.value_V = *v;
        out.push_back(it);
    }
    if (out.empty()) return Status(Code::invalid_argument, "empty pattern");
    return out;
}

}  // namespace rig::engine::steps
