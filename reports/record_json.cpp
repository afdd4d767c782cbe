#include "reports/record_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace rig::reports {

using nlohmann::json;

namespace {

using ordered = nlohmann::ordered_json;

template <class J>
J number_or_null(double v) { return std::isfinite(v) ? J(v) : J(nullptr); }
template <class J>
J opt_or_null(const std::optional<double>& v) { return v ? number_or_null<J>(*v) : J(nullptr); }
template <class J>
J time_or_null(TimePoint t) { return t == TimePoint{} ? J(nullptr) : J(format_iso8601(t)); }

// Sample times are offsets from the measurement's start as written (whole milliseconds), so
// reading them back gives the same instants to the nanosecond.
TimePoint ms_floor(TimePoint t) { return std::chrono::floor<std::chrono::milliseconds>(t); }

Status bad(std::string_view where, std::string_view key, std::string_view what) {
    std::string w(where);
    if (!key.empty()) w += (w.empty() ? "" : ": ") + std::string(key);
    return Status(Code::invalid_argument, w + ": " + std::string(what));
}

std::string type_text(const json& j) { return j.type_name(); }

// Typed field access that names the field in every error and never throws.
struct Obj {
    const json& j;
    std::string where;

    const json* find(std::string_view key) const {
        auto it = j.find(std::string(key));
        return it == j.end() ? nullptr : &*it;
    }
    Result<std::string> str(std::string_view key, bool required = true) const {
        const json* v = find(key);
        if (!v || v->is_null()) {
            if (required) return bad(where, key, "missing");
            return std::string();
        }
        if (!v->is_string()) return bad(where, key, "expected a string, got " + type_text(*v));
        return v->get<std::string>();
    }
    Result<std::optional<double>> num(std::string_view key) const {
        const json* v = find(key);
        if (!v || v->is_null()) return std::optional<double>();
        if (!v->is_number()) return bad(where, key, "expected a number or null, got " + type_text(*v));
        return std::optional<double>(v->get<double>());
    }
    Result<TimePoint> time(std::string_view key, bool required) const {
        const json* v = find(key);
        if (!v || v->is_null()) {
            if (required) return bad(where, key, "missing");
            return TimePoint{};
        }
        if (!v->is_string()) return bad(where, key, "expected an ISO 8601 time, got " + type_text(*v));
        auto t = parse_iso8601(v->get<std::string>());
        if (!t) return bad(where, key, t.status().message());
        return *t;
    }
    Result<const json*> object(std::string_view key, bool required = true) const {
        const json* v = find(key);
        if (!v || v->is_null()) {
            if (required) return bad(where, key, "missing");
            return static_cast<const json*>(nullptr);
        }
        if (!v->is_object()) return bad(where, key, "expected an object, got " + type_text(*v));
        return v;
    }
    Result<const json*> array(std::string_view key) const {
        const json* v = find(key);
        if (!v) return bad(where, key, "missing");
        if (!v->is_array()) return bad(where, key, "expected an array, got " + type_text(*v));
        return v;
    }
};

bool parse_int(std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<Unit> unit_from_symbol(std::string_view s) {
    for (Unit u : {Unit::none, Unit::volt, Unit::ampere, Unit::ohm, Unit::watt, Unit::celsius,
                   Unit::second, Unit::percent, Unit::hertz})
        if (symbol(u) == s) return u;
    return std::nullopt;
}

Result<TimePoint> parse_iso8601(std::string_view t) {
    auto fail = [&] {
        return Status(Code::invalid_argument, "expected an ISO 8601 UTC time like "
                                              "\"2026-11-25T12:00:00.123Z\", got \"" + std::string(t) + "\"");
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (t.size() < 10 || t[4] != '-' || t[7] != '-') return fail();
    if (!parse_int(t.substr(0, 4), y) || !parse_int(t.substr(5, 2), mo) || !parse_int(t.substr(8, 2), d))
        return fail();
    std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                    std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return fail();
    TimePoint tp = std::chrono::sys_days(ymd);
    if (t.size() == 10) return tp;
    if (t.size() < 20 || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':') return fail();
    if (!parse_int(t.substr(11, 2), h) || !parse_int(t.substr(14, 2), mi) || !parse_int(t.substr(17, 2), s))
        return fail();
    if (h > 23 || mi > 59 || s > 60) return fail();
    std::string_view rest = t.substr(19);
    long long frac_ns = 0;
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        int digits = 0;
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
            if (digits < 9) frac_ns = frac_ns * 10 + (rest.front() - '0');
            ++digits;
            rest.remove_prefix(1);
        }
        if (digits == 0) return fail();
        for (int i = digits; i < 9; ++i) frac_ns *= 10;
    }
    if (rest != "Z" && rest != "+00:00") return fail();
    tp += std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s) +
          std::chrono::nanoseconds(frac_ns);
    return tp;
}

namespace {

// Built for both json (sorted keys, for callers) and ordered_json (record.json keeps the
// documented key order).
template <class J>
J measurement_json(const Measurement& m) {
    J samples = J::array();
    const TimePoint base = ms_floor(m.started);
    for (const auto& s : m.samples) {
        double off = std::chrono::duration<double>(s.t - base).count();
        samples.push_back(J::array({off, number_or_null<J>(s.value)}));
    }
    return J{
        {"step", m.step},
        {"name", m.name},
        {"value", number_or_null<J>(m.value)},
        {"unit", std::string(symbol(m.unit))},
        {"low", opt_or_null<J>(m.limit.low)},
        {"high", opt_or_null<J>(m.limit.high)},
        {"nominal", opt_or_null<J>(m.limit.nominal)},
        {"marginal", std::isfinite(m.limit.marginal) ? m.limit.marginal : 0.0},
        {"uncertainty", std::isfinite(m.uncertainty) ? m.uncertainty : 0.0},
        {"rule", std::string(to_string(m.rule))},
        {"verdict", std::string(to_string(m.verdict))},
        {"zone", std::string(to_string(m.zone))},
        {"message", m.message},
        {"started", format_iso8601(m.started)},
        {"ended", format_iso8601(m.ended)},
        {"samples", std::move(samples)},
    };
}

template <class J>
J record_json(const RunRecord& r, const WriterInfo* writer, bool with_measurements) {
    const RunInfo& i = r.info;
    J instruments = J::array();
    for (const auto& x : i.instruments)
        instruments.push_back(J{{"id", x.id},
                                {"kind", x.kind},
                                {"model", x.model},
                                {"connection", x.connection},
                                {"manufacturer", x.manufacturer},
                                {"identity_model", x.identity_model},
                                {"serial", x.serial},
                                {"firmware", x.firmware},
                                {"calibration_due", x.calibration_due}});
    J sim = J::object();
    for (const auto& [k, v] : i.sim_settings) sim[k] = v;
    J j{
        {"schema_version", kRecordSchemaVersion},
        {"run_id", i.run_id},
        {"serial", i.serial},
        {"operator", i.operator_name},
        {"station", i.station},
        {"socket", i.socket},
        {"fixture", {{"file", i.fixture_file}, {"sha256", i.fixture_sha256}}},
        {"plan", {{"name", i.plan_name}, {"version", i.plan_version}, {"file", i.plan_file}, {"sha256", i.plan_sha256}}},
        {"dut", {{"model", i.dut_model}, {"identity", i.dut_identity}, {"firmware", i.dut_firmware}}},
        {"instruments", std::move(instruments)},
        {"clock", i.clock},
        {"seed", i.seed ? J(*i.seed) : J(nullptr)},
        {"sim_settings", std::move(sim)},
        {"started", format_iso8601(i.started)},
        {"ended", r.state == RunState::running ? J(nullptr) : time_or_null<J>(r.ended)},
        {"state", std::string(to_string(r.state))},
        {"verdict", std::string(to_string(r.verdict))},
        {"reason", r.reason},
    };
    if (writer)
        j["writer"] = J{{"pid", writer->pid},
                        {"boot_id", writer->boot_id},
                        {"start_ticks", writer->start_ticks},
                        {"host", writer->host}};
    J measurements = J::array();
    if (with_measurements)
        for (const auto& m : r.measurements) measurements.push_back(measurement_json<J>(m));
    j["measurements"] = std::move(measurements);
    return j;
}

}  // namespace

json measurement_to_json(const Measurement& m) { return measurement_json<json>(m); }

json record_to_json(const RunRecord& r, const WriterInfo* writer) { return record_json<json>(r, writer, true); }

// Readable and cheap to rewrite: the run's fields indented in documented order, then one
// compact line per measurement (samples inline), so a 150-measurement record stays small
// and `grep`/`diff` still work line by line.
std::string record_to_string(const RunRecord& r, const WriterInfo* writer) {
    constexpr auto kReplace = json::error_handler_t::replace;
    std::string head = record_json<ordered>(r, writer, false).dump(1, '\t', false, kReplace);
    // "measurements" is the last key and its array is empty: splice the lines in there.
    const std::string empty = "\"measurements\": []";
    auto at = head.rfind(empty);
    if (at == std::string::npos || r.measurements.empty()) return head + "\n";
    std::string out = head.substr(0, at) + "\"measurements\": [";
    for (std::size_t k = 0; k < r.measurements.size(); ++k) {
        out += k ? ",\n\t\t" : "\n\t\t";
        out += measurement_json<ordered>(r.measurements[k]).dump(-1, ' ', false, kReplace);
    }
    out += "\n\t]";
    out += head.substr(at + empty.size());
    return out + "\n";
}


Result<Measurement> measurement_from_json(const json& j, std::string_view where) {
    if (!j.is_object()) return bad(where, "", "expected a measurement object, got " + type_text(j));
    Obj o{j, std::string(where)};
    Measurement m;
    auto step = o.str("step");
    if (!step) return step.status();
    m.step = *step;
    auto name = o.str("name");
    if (!name) return name.status();
    m.name = *name;
    auto value = o.num("value");
    if (!value) return value.status();
    m.value = value->value_or(std::numeric_limits<double>::quiet_NaN());
    auto unit_text = o.str("unit");
    if (!unit_text) return unit_text.status();
    auto unit = unit_from_symbol(*unit_text);
    if (!unit) return bad(where, "unit", "unknown unit symbol \"" + *unit_text + "\"");
    m.unit = *unit;
    m.limit.unit = *unit;
    auto low = o.num("low");
    if (!low) return low.status();
    auto high = o.num("high");
    if (!high) return high.status();
    auto nominal = o.num("nominal");
    if (!nominal) return nominal.status();
    auto marginal = o.num("marginal");
    if (!marginal) return marginal.status();
    auto unc = o.num("uncertainty");
    if (!unc) return unc.status();
    m.limit.low = *low;
    m.limit.high = *high;
    m.limit.nominal = *nominal;
    m.limit.marginal = marginal->value_or(0.0);
    m.uncertainty = unc->value_or(0.0);
    auto rule = o.str("rule");
    if (!rule) return rule.status();
    if (*rule == "simple") m.rule = DecisionRule::simple;
    else if (*rule == "guard_banded") m.rule = DecisionRule::guard_banded;
    else return bad(where, "rule", "expected simple or guard_banded, got \"" + *rule + "\"");
    auto verdict = o.str("verdict");
    if (!verdict) return verdict.status();
    auto v = parse_verdict(*verdict);
    if (!v) return bad(where, "verdict", "expected PASS, FAIL, ERROR or SKIPPED, got \"" + *verdict + "\"");
    m.verdict = *v;
    auto zone = o.str("zone");
    if (!zone) return zone.status();
    bool zone_ok = false;
    for (Zone z : {Zone::inside, Zone::marginal, Zone::guard_band, Zone::outside})
        if (to_string(z) == *zone) {
            m.zone = z;
            zone_ok = true;
        }
    if (!zone_ok) return bad(where, "zone", "unknown zone \"" + *zone + "\"");
    auto msg = o.str("message", false);
    if (!msg) return msg.status();
    m.message = *msg;
    auto started = o.time("started", true);
    if (!started) return started.status();
    m.started = *started;
    auto ended = o.time("ended", true);
    if (!ended) return ended.status();
    m.ended = *ended;
    auto samples = o.array("samples");
    if (!samples) return samples.status();
    m.samples.reserve((*samples)->size());
    std::size_t k = 0;
    for (const auto& s : **samples) {
        const json* t = nullptr;
        const json* val = nullptr;
        if (s.is_array() && s.size() == 2) {
            t = &s[0];
            val = &s[1];
        } else if (s.is_object() && s.contains("t") && s.contains("v")) {
            t = &s["t"];
            val = &s["v"];
        }
        if (!t || !t->is_number() || !(val->is_number() || val->is_null()))
            return bad(where, "samples[" + std::to_string(k) + "]", "expected [t_offset_s, value] or {\"t\": .., \"v\": ..}");
        Sample smp;
        smp.t = m.started + std::chrono::nanoseconds(std::llround(t->get<double>() * 1e9));
        smp.value = val->is_null() ? std::numeric_limits<double>::quiet_NaN() : val->get<double>();
        m.samples.push_back(smp);
        ++k;
    }
    return m;
}

Result<RunRecord> record_from_json(const json& j, std::string_view where, std::optional<WriterInfo>* writer) {
    if (!j.is_object()) return bad(where, "", "expected a record object, got " + type_text(j));
    Obj o{j, std::string(where)};
    const json* sv = o.find("schema_version");
    if (!sv || !sv->is_number_integer()) return bad(where, "schema_version", "missing or not an integer");
    if (sv->get<int>() > kRecordSchemaVersion)
        return bad(where, "schema_version", "version " + std::to_string(sv->get<int>()) +
                                                " is newer than this rig reads (" + std::to_string(kRecordSchemaVersion) + ")");
    RunRecord r;
    RunInfo& i = r.info;
    auto take = [&](const Obj& from, std::string_view key, std::string& out, bool required) -> Status {
        auto v = from.str(key, required);
        if (!v) return v.status();
        out = *v;
        return Status::ok();
    };
    RIG_TRY(take(o, "run_id", i.run_id, true));
    RIG_TRY(take(o, "serial", i.serial, true));
    RIG_TRY(take(o, "operator", i.operator_name, false));
    RIG_TRY(take(o, "station", i.station, false));
    RIG_TRY(take(o, "socket", i.socket, false));
    RIG_TRY(take(o, "clock", i.clock, false));
    RIG_TRY(take(o, "reason", r.reason, false));
    auto fixture = o.object("fixture");
    if (!fixture) return fixture.status();
    Obj fo{**fixture, o.where + ": fixture"};
    RIG_TRY(take(fo, "file", i.fixture_file, false));
    RIG_TRY(take(fo, "sha256", i.fixture_sha256, false));
    auto plan = o.object("plan");
    if (!plan) return plan.status();
    Obj po{**plan, o.where + ": plan"};
    RIG_TRY(take(po, "name", i.plan_name, true));
    RIG_TRY(take(po, "version", i.plan_version, false));
    RIG_TRY(take(po, "file", i.plan_file, false));
    RIG_TRY(take(po, "sha256", i.plan_sha256, false));
    auto dut = o.object("dut");
    if (!dut) return dut.status();
    Obj dobj{**dut, o.where + ": dut"};
    RIG_TRY(take(dobj, "model", i.dut_model, false));
    RIG_TRY(take(dobj, "identity", i.dut_identity, false));
    RIG_TRY(take(dobj, "firmware", i.dut_firmware, false));
    auto instruments = o.array("instruments");
    if (!instruments) return instruments.status();
    for (std::size_t k = 0; k < (*instruments)->size(); ++k) {
        const json& x = (**instruments)[k];
        std::string w = o.where + ": instruments[" + std::to_string(k) + "]";
        if (!x.is_object()) return bad(w, "", "expected an object");
        Obj xo{x, w};
        InstrumentRecord ir;
        RIG_TRY(take(xo, "id", ir.id, true));
        RIG_TRY(take(xo, "kind", ir.kind, false));
        RIG_TRY(take(xo, "model", ir.model, false));
        RIG_TRY(take(xo, "connection", ir.connection, false));
        RIG_TRY(take(xo, "manufacturer", ir.manufacturer, false));
        RIG_TRY(take(xo, "identity_model", ir.identity_model, false));
        RIG_TRY(take(xo, "serial", ir.serial, false));
        RIG_TRY(take(xo, "firmware", ir.firmware, false));
        RIG_TRY(take(xo, "calibration_due", ir.calibration_due, false));
        i.instruments.push_back(std::move(ir));
    }
    if (const json* seed = o.find("seed"); seed && !seed->is_null()) {
        if (!seed->is_number_unsigned()) return bad(where, "seed", "expected a non-negative integer or null");
        i.seed = seed->get<std::uint64_t>();
    }
    auto sim = o.object("sim_settings", false);
    if (!sim) return sim.status();
    if (*sim)
        for (const auto& [k, v] : (*sim)->items()) {
            if (!v.is_string()) return bad(where, "sim_settings." + k, "expected a string");
            i.sim_settings[k] = v.get<std::string>();
        }
    auto started = o.time("started", true);
    if (!started) return started.status();
    i.started = *started;
    auto ended = o.time("ended", false);
    if (!ended) return ended.status();
    r.ended = *ended;
    auto state = o.str("state");
    if (!state) return state.status();
    auto st = parse_run_state(*state);
    if (!st) return bad(where, "state", "expected running, completed or aborted, got \"" + *state + "\"");
    r.state = *st;
    auto verdict = o.str("verdict");
    if (!verdict) return verdict.status();
    auto v = parse_verdict(*verdict);
    if (!v) return bad(where, "verdict", "expected PASS, FAIL, ERROR or SKIPPED, got \"" + *verdict + "\"");
    r.verdict = *v;
    auto ms = o.array("measurements");
    if (!ms) return ms.status();
    r.measurements.reserve((*ms)->size());
    for (std::size_t k = 0; k < (*ms)->size(); ++k) {
        auto m = measurement_from_json((**ms)[k], o.where + ": measurements[" + std::to_string(k) + "]");
        if (!m) return m.status();
        r.measurements.push_back(std::move(*m));
    }
    if (writer) {
        writer->reset();
        if (const json* w = o.find("writer"); w && w->is_object()) {
            WriterInfo wi;
            if (auto it = w->find("pid"); it != w->end() && it->is_number_integer()) wi.pid = it->get<std::int64_t>();
            if (auto it = w->find("boot_id"); it != w->end() && it->is_string()) wi.boot_id = it->get<std::string>();
            if (auto it = w->find("start_ticks"); it != w->end() && it->is_number_unsigned())
                wi.start_ticks = it->get<std::uint64_t>();
            if (auto it = w->find("host"); it != w->end() && it->is_string()) wi.host = it->get<std::string>();
            *writer = wi;
        }
    }
    return r;
}

Result<RunRecord> parse_record(std::string_view text, std::string_view where) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return Status(Code::invalid_argument, std::string(where) + ": not valid JSON");
    return record_from_json(j, where);
}

namespace {

Result<std::string> read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return Status(Code::io_error, "cannot open " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return Status(Code::io_error, "cannot read " + p.string());
    return ss.str();
}

}  // namespace

Result<RunRecord> load_record(const std::filesystem::path& file_or_dir) {
    std::error_code ec;
    std::filesystem::path file = file_or_dir;
    if (std::filesystem::is_directory(file_or_dir, ec)) file = file_or_dir / kRecordFileName;
    auto text = read_text(file);
    if (!text) return text.status();
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded()) return Status(Code::invalid_argument, file.string() + ": not valid JSON");
    std::optional<WriterInfo> writer;
    auto rec = record_from_json(j, file.string(), &writer);
    if (!rec) return rec.status();
    if (rec->state != RunState::running) return rec;

    // A run that did not end: measurements added since the last rewrite are in the journal.
    // Only the last line can be torn (the writer died mid-append); it is dropped.
    auto journal = file.parent_path() / kJournalFileName;
    if (std::filesystem::exists(journal, ec)) {
        auto jt = read_text(journal);
        if (!jt) return jt.status();
        std::istringstream lines(*jt);
        std::string line;
        std::size_t lineno = 0;
        while (std::getline(lines, line)) {
            ++lineno;
            json e = json::parse(line, nullptr, false);
            if (e.is_discarded() || !e.is_object() || !e.contains("i") || !e["i"].is_number_unsigned()) break;
            auto idx = e["i"].get<std::size_t>();
            if (idx < rec->measurements.size()) continue;  // already in record.json
            if (idx > rec->measurements.size())
                return Status(Code::invalid_argument, journal.string() + ":" + std::to_string(lineno) +
                                                          ": measurement " + std::to_string(idx) + " follows " +
                                                          std::to_string(rec->measurements.size()) + " (a gap)");
            auto m = measurement_from_json(e["measurement"], journal.string() + ":" + std::to_string(lineno));
            if (!m) return m.status();
            rec->measurements.push_back(std::move(*m));
        }
    }
    if (writer && !writer_alive(*writer)) {
        rec->state = RunState::aborted;
        rec->verdict = Verdict::error;
        rec->reason = std::string(kStoppedReason);
        TimePoint last = rec->info.started;
        for (const auto& m : rec->measurements) last = std::max(last, m.ended);
        rec->ended = last;
    }
    return rec;
}

}  // namespace rig::reports
