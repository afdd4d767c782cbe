// Records built by hand for the reports tests: an end-of-line-like run with the measurement
// names the HTML plots pick (cell_error.B<n>, balance_current*, shutdown_V, power_on_V),
// and every verdict, zone and edge the writers must handle (NaN value, open limits, text
// that needs quoting/escaping, raw samples).
#pragma once

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <unistd.h>
#include <string>

#include "reports/record.hpp"

namespace rig::reports::testing {

inline TimePoint at(int y, unsigned mo, unsigned d, int h = 12, int mi = 0, int s = 0, int ms = 0) {
    using namespace std::chrono;
    return TimePoint(sys_days(year(y) / month(mo) / day(d))) + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
}

inline Measurement judged(std::string step, std::string name, double value, Limit limit, TimePoint t,
                          double uncertainty = 0.0, DecisionRule rule = DecisionRule::simple) {
    Measurement m;
    m.step = std::move(step);
    m.name = std::move(name);
    m.value = value;
    m.unit = limit.unit;
    m.limit = limit;
    m.uncertainty = uncertainty;
    m.rule = rule;
    m.started = t;
    m.ended = t + std::chrono::milliseconds(250);
    m.judge();
    return m;
}

inline RunInfo sample_info(const std::string& serial, TimePoint started, const std::string& run_id = "") {
    RunInfo i;
    i.run_id = run_id.empty() ? "virtual-1-" + serial + "-1" : run_id;
    i.serial = serial;
    i.operator_name = "Ana \"QA\" <night shift>";
    i.station = "virtual-1";
    i.socket = "A";
    i.fixture_file = "fixtures/virtual.toml";
    i.fixture_sha256 = std::string(64, 'a');
    i.plan_name = "eol";
    i.plan_version = "1.2";
    i.plan_file = "testplans/eol.toml";
    i.plan_sha256 = std::string(64, 'b');
    i.dut_model = "JK-B2A24S";
    i.dut_identity = "JK_B2A24S15P";
    i.dut_firmware = "11.5.1";
    i.instruments = {{"cells", "cell_emulator", "ngi-n83624", "modbus-tcp://127.0.0.1:1502", "NGI", "N83624",
                      "SN-CE-001", "1.0.3", "2027-03-01"},
                     {"meter", "meter", "keysight-34461a", "scpi-tcp://127.0.0.1:5025", "Keysight", "34461A",
                      "MY1234", "A.03.01", ""}};
    i.clock = "virtual";
    i.seed = 42;
    i.sim_settings = {{"balance_current_A", "2.0"}, {"shutdown_V", "2.2"}};
    i.started = started;
    return i;
}

// A complete EOL-like record; `offset_mV` shifts every cell error (for statistics/compare).
inline RunRecord sample_record(const std::string& serial = "JK24-000123", TimePoint started = at(2026, 11, 25, 9, 30, 0, 123),
                               double offset_mV = 0.0) {
    RunRecord r;
    r.info = sample_info(serial, started);
    TimePoint t = started + std::chrono::milliseconds(1500);
    auto next = [&] { return t += std::chrono::milliseconds(400); };
    for (const char* step : {"accuracy_1v5", "accuracy_3v3"}) {
        for (int ch = 1; ch <= 24; ++ch) {
            double err_mV = std::sin(ch * 0.7) * 1.5 + offset_mV + (std::string(step) == "accuracy_3v3" ? 0.4 : 0.0);
            r.measurements.push_back(judged(step, "cell_error.B" + std::to_string(ch), err_mV * 1e-3,
                                            Limit::tolerance(0.0, 3e-3, Unit::volt), next(), 0.4e-3,
                                            DecisionRule::guard_banded));
        }
    }
    // Balancing current with samples over 10 s.
    Measurement bal = judged("balance", "balance_current", 1.98, Limit::tolerance(2.0, 0.2, Unit::ampere), next());
    for (int k = 0; k <= 100; ++k)
        bal.samples.push_back({bal.started + std::chrono::milliseconds(100 * k), k < 5 ? 0.0 : 1.98 + 0.01 * std::sin(k)});
    bal.ended = bal.started + std::chrono::seconds(10);
    t = bal.ended;
    r.measurements.push_back(bal);
    // Shutdown ramp: cell 1 from 2.6 V down by 10 mV steps; shuts down at 2.19 V.
    Measurement sd = judged("shutdown", "shutdown_V", 2.19, Limit::range(2.0, 2.4, Unit::volt), next());
    for (int k = 0; k <= 41; ++k) sd.samples.push_back({sd.started + std::chrono::milliseconds(200 * k), 2.6 - 0.01 * k});
    sd.ended = sd.started + std::chrono::milliseconds(200 * 41);
    t = sd.ended;
    r.measurements.push_back(sd);
    Measurement po = judged("power_on", "power_on_V", 2.43, Limit::range(2.4, 2.6, Unit::volt), next());
    for (int k = 0; k <= 30; ++k) po.samples.push_back({po.started + std::chrono::milliseconds(200 * k), 2.15 + 0.01 * k});
    po.ended = po.started + std::chrono::milliseconds(200 * 30);
    t = po.ended;
    r.measurements.push_back(po);
    // A FAIL, an ERROR (no value), a SKIPPED, a one-sided limit, a record-only value.
    r.measurements.push_back(judged("supply", "supply_power_100V", 1.31, Limit::at_most(1.0, Unit::watt), next()));
    Measurement err;
    err.step = "supply";
    err.name = "supply_power_20V";
    err.unit = Unit::watt;
    err.limit = Limit::at_most(1.0, Unit::watt);
    err.started = next();
    err.ended = err.started;
    err.set_error(Status(Code::timeout, "meter scpi-tcp://127.0.0.1:5025 READ?: no reply within 1000 ms, \"quoted\", comma"));
    r.measurements.push_back(err);
    Measurement sk;
    sk.step = "cascade";
    sk.name = "cascade_balance";
    sk.unit = Unit::ampere;
    sk.limit = Limit::at_least(1.5, Unit::ampere);
    sk.started = next();
    sk.ended = sk.started;
    sk.set_skipped("single-DUT fixture:\nno second unit");
    r.measurements.push_back(sk);
    r.measurements.push_back(judged("idle", "idle_current", 12e-6, Limit::none(Unit::ampere), next()));
    r.state = RunState::completed;
    std::vector<Verdict> vs;
    for (const auto& m : r.measurements) vs.push_back(m.verdict);
    r.verdict = aggregate(vs);
    r.reason = "supply/supply_power_20V: timeout";
    r.ended = next();
    return r;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
    auto d = std::filesystem::temp_directory_path() / ("rig-reports-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

inline std::string read_file(const std::filesystem::path& p) {
    std::FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) return {};
    std::string s;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

inline std::size_t count_of(const RunRecord& r, Verdict v) {
    std::size_t n = 0;
    for (const auto& m : r.measurements) n += m.verdict == v;
    return n;
}

}  // namespace rig::reports::testing
