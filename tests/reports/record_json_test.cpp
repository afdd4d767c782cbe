// The record as JSON: round trip, nulls, errors that name the field, times, hashes.
#include <gtest/gtest.h>

#include "reports/hash.hpp"
#include "reports/record_json.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TimePoint ms(TimePoint t) { return std::chrono::floor<milliseconds>(t); }

void expect_same_measurement(const Measurement& a, const Measurement& b) {
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.has_value(), b.has_value());
    if (a.has_value()) {
        EXPECT_DOUBLE_EQ(a.value, b.value);
    }
    EXPECT_EQ(a.unit, b.unit);
    EXPECT_EQ(a.limit.low, b.limit.low);
    EXPECT_EQ(a.limit.high, b.limit.high);
    EXPECT_EQ(a.limit.nominal, b.limit.nominal);
    EXPECT_EQ(a.uncertainty, b.uncertainty);
    EXPECT_EQ(a.rule, b.rule);
    EXPECT_EQ(a.verdict, b.verdict);
    EXPECT_EQ(a.zone, b.zone);
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(ms(a.started), b.started);
    EXPECT_EQ(ms(a.ended), b.ended);
    ASSERT_EQ(a.samples.size(), b.samples.size());
    for (std::size_t k = 0; k < a.samples.size(); ++k) {
        EXPECT_EQ(a.samples[k].t, b.samples[k].t);  // exact to the nanosecond
        EXPECT_DOUBLE_EQ(a.samples[k].value, b.samples[k].value);
    }
}

TEST(RecordJson, round_trip_keeps_every_field) {
    RunRecord r = sample_record();
    // Sub-millisecond times: the record keeps ms, samples keep their exact offsets.
    r.measurements[0].started += std::chrono::microseconds(321);
    r.measurements[0].samples.push_back({r.measurements[0].started + std::chrono::nanoseconds(1234567), 1e-3});
    auto back = parse_record(record_to_string(r), "test");
    ASSERT_TRUE(back) << back.status().describe();
    const RunInfo& a = r.info;
    const RunInfo& b = back->info;
    EXPECT_EQ(a.run_id, b.run_id);
    EXPECT_EQ(a.serial, b.serial);
    EXPECT_EQ(a.operator_name, b.operator_name);
    EXPECT_EQ(a.station, b.station);
    EXPECT_EQ(a.socket, b.socket);
    EXPECT_EQ(a.fixture_file, b.fixture_file);
    EXPECT_EQ(a.fixture_sha256, b.fixture_sha256);
    EXPECT_EQ(a.plan_name, b.plan_name);
    EXPECT_EQ(a.plan_version, b.plan_version);
    EXPECT_EQ(a.plan_file, b.plan_file);
    EXPECT_EQ(a.plan_sha256, b.plan_sha256);
    EXPECT_EQ(a.dut_model, b.dut_model);
    EXPECT_EQ(a.dut_identity, b.dut_identity);
    EXPECT_EQ(a.dut_firmware, b.dut_firmware);
    ASSERT_EQ(a.instruments.size(), b.instruments.size());
    for (std::size_t k = 0; k < a.instruments.size(); ++k) {
        EXPECT_EQ(a.instruments[k].id, b.instruments[k].id);
        EXPECT_EQ(a.instruments[k].serial, b.instruments[k].serial);
        EXPECT_EQ(a.instruments[k].calibration_due, b.instruments[k].calibration_due);
        EXPECT_EQ(a.instruments[k].connection, b.instruments[k].connection);
    }
    EXPECT_EQ(a.clock, b.clock);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.sim_settings, b.sim_settings);
    EXPECT_EQ(ms(a.started), b.started);
    EXPECT_EQ(ms(r.ended), back->ended);
    EXPECT_EQ(r.state, back->state);
    EXPECT_EQ(r.verdict, back->verdict);
    EXPECT_EQ(r.reason, back->reason);
    ASSERT_EQ(r.measurements.size(), back->measurements.size());
    for (std::size_t k = 0; k < r.measurements.size(); ++k) expect_same_measurement(r.measurements[k], back->measurements[k]);
    // And a second trip is byte-identical.
    EXPECT_EQ(record_to_string(*back), record_to_string(*parse_record(record_to_string(*back), "again")));
}

TEST(RecordJson, nan_value_and_open_limits_are_null_and_units_are_symbols) {
    RunRecord r = sample_record();
    auto j = record_to_json(r);
    const auto& err = j["measurements"][static_cast<std::size_t>(52)];
    ASSERT_EQ(err["name"], "supply_power_20V");
    EXPECT_TRUE(err["value"].is_null());
    EXPECT_TRUE(err["low"].is_null());
    EXPECT_EQ(err["high"], 1.0);
    EXPECT_EQ(err["unit"], "W");
    EXPECT_EQ(err["verdict"], "ERROR");
    const auto& cell = j["measurements"][0];
    EXPECT_EQ(cell["unit"], "V");
    EXPECT_EQ(cell["nominal"], 0.0);
    EXPECT_DOUBLE_EQ(cell["high"].get<double>(), 3e-3);  // SI: volts, not millivolts
    EXPECT_EQ(j["started"], "2026-11-25T09:30:00.123Z");
    EXPECT_EQ(j["schema_version"], kRecordSchemaVersion);
}

TEST(RecordJson, running_record_has_null_end_and_its_writer) {
    RunRecord r = sample_record();
    r.state = RunState::running;
    WriterInfo w = current_writer();
    auto j = record_to_json(r, &w);
    EXPECT_TRUE(j["ended"].is_null());
    EXPECT_EQ(j["writer"]["pid"], w.pid);
    EXPECT_FALSE(w.boot_id.empty());
    EXPECT_GT(w.start_ticks, 0u);
}

TEST(RecordJson, bad_field_is_named_in_the_error) {
    auto j = record_to_json(sample_record());
    j["measurements"][3]["verdict"] = "MAYBE";
    auto r = record_from_json(j, "runs/x/record.json");
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("runs/x/record.json: measurements[3]: verdict"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("MAYBE"), std::string::npos);

    j = record_to_json(sample_record());
    j.erase("serial");
    r = record_from_json(j, "f");
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("serial: missing"), std::string::npos) << r.status().message();

    EXPECT_FALSE(parse_record("{not json", "f"));
}

TEST(RecordJson, samples_may_also_be_objects_with_t_and_v) {
    auto j = record_to_json(sample_record());
    auto& m = j["measurements"][48];
    ASSERT_EQ(m["name"], "balance_current");
    m["samples"] = nlohmann::json::array({{{"t", 0.5}, {"v", 1.5}}, {{"t", 1.0}, {"v", nullptr}}});
    auto r = record_from_json(j, "f");
    ASSERT_TRUE(r) << r.status().describe();
    const auto& s = r->measurements[48].samples;
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].t - r->measurements[48].started, milliseconds(500));
    EXPECT_DOUBLE_EQ(s[0].value, 1.5);
    EXPECT_TRUE(std::isnan(s[1].value));
}

TEST(Iso8601, parse_inverts_format_and_rejects_garbage) {
    TimePoint t = at(2026, 11, 25, 23, 59, 58, 7);
    auto back = parse_iso8601(format_iso8601(t));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, t);
    auto day = parse_iso8601("2026-11-01");
    ASSERT_TRUE(day);
    EXPECT_EQ(*day, at(2026, 11, 1, 0));
    EXPECT_TRUE(parse_iso8601("2026-11-25T10:00:00Z"));
    EXPECT_FALSE(parse_iso8601("2026-13-01"));
    EXPECT_FALSE(parse_iso8601("2026-11-25T10:00:00"));  // no zone: not UTC for sure
    EXPECT_FALSE(parse_iso8601("yesterday"));
}

TEST(Sha256, file_digest_matches_the_known_value) {
    auto dir = fresh_dir("sha");
    auto f = dir / "abc.txt";
    std::FILE* fp = std::fopen(f.c_str(), "wb");
    std::fputs("abc", fp);
    std::fclose(fp);
    auto h = sha256_file(f);
    ASSERT_TRUE(h) << h.status().describe();
    EXPECT_EQ(*h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    auto missing = sha256_file(dir / "nope.toml");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("nope.toml"), std::string::npos);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
