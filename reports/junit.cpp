#include "reports/junit.hpp"

#include <fmt/format.h>

#include "reports/svg.hpp"

namespace rig::reports {
namespace {

using svg::escape;

std::string seconds_text(TimePoint a, TimePoint b) {
    if (b < a) return "0.000";
    return format_fixed(std::chrono::duration<double>(b - a).count(), 3);
}

std::string value_text(const Measurement& m) {
    return m.has_value() ? format_quantity(m.value, m.unit) : std::string("no value");
}

// "3.301 V outside [3.297 V, 3.303 V] (U = 1.0 mV): <message>"
std::string failure_message(const Measurement& m) {
    std::string s = value_text(m) + " (" + std::string(symbol(m.unit)) + "), limit " + m.limit.describe();
    if (m.uncertainty > 0) s += ", U = " + format_quantity(m.uncertainty, m.unit);
    s += ", zone " + std::string(to_string(m.zone));
    if (!m.message.empty()) s += ": " + m.message;
    return s;
}

}  // namespace

std::string junit_xml(const RunRecord& r) {
    std::size_t failures = 0, errors = 0, skipped = 0;
    for (const auto& m : r.measurements) {
        if (m.verdict == Verdict::fail) ++failures;
        if (m.verdict == Verdict::error) ++errors;
        if (m.verdict == Verdict::skipped) ++skipped;
    }
    const auto& i = r.info;
    TimePoint end = r.ended == TimePoint{} ? i.started : r.ended;
    std::string total_time = seconds_text(i.started, end);
    std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    o += fmt::format("<testsuites name=\"rig\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
                     r.measurements.size(), failures, errors, skipped, total_time);
    // JUnit's timestamp attribute has no zone designator; it is UTC.
    std::string ts = format_iso8601(i.started);
    ts = ts.substr(0, 19);
    o += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" "
                     "timestamp=\"{}\" hostname=\"{}\">\n",
                     escape(i.run_id), r.measurements.size(), failures, errors, skipped, total_time, ts,
                     escape(i.station));
    o += "    <properties>\n";
    auto prop = [&](std::string_view k, std::string_view v) {
        o += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", escape(k), escape(v));
    };
    prop("serial", i.serial);
    prop("run_id", i.run_id);
    prop("plan", i.plan_name);
    prop("plan_version", i.plan_version);
    prop("plan_sha256", i.plan_sha256);
    prop("fixture_sha256", i.fixture_sha256);
    prop("station", i.station);
    prop("socket", i.socket);
    prop("operator", i.operator_name);
    prop("dut_firmware", i.dut_firmware);
    prop("state", to_string(r.state));
    prop("verdict", to_string(r.verdict));
    prop("reason", r.reason);
    o += "    </properties>\n";
    for (const auto& m : r.measurements) {
        o += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n", escape(m.step + "/" + m.name),
                         escape(i.plan_name), seconds_text(m.started, m.ended));
        std::string msg = escape(failure_message(m));
        switch (m.verdict) {
            case Verdict::fail:
                o += fmt::format("      <failure message=\"{0}\" type=\"FAIL\">{0}</failure>\n", msg);
                break;
            case Verdict::error:
                o += fmt::format("      <error message=\"{0}\" type=\"ERROR\">{0}</error>\n", msg);
                break;
            case Verdict::skipped:
                o += fmt::format("      <skipped message=\"{}\"/>\n", escape(m.message));
                break;
            case Verdict::pass: break;
        }
        o += fmt::format("      <system-out>value: {}; limit: {}; samples: {}</system-out>\n", escape(value_text(m)),
                         escape(m.limit.describe()), m.samples.size());
        o += "    </testcase>\n";
    }
    if (r.state != RunState::completed)
        o += fmt::format("    <system-err>run {}: {}</system-err>\n", to_string(r.state), escape(r.reason));
    o += "  </testsuite>\n</testsuites>\n";
    return o;
}

}  // namespace rig::reports
