// The reports read by independent consumers: the record by python-jsonschema against its own
// schema, junit.xml by junitparser, measurements.csv by Python's csv module (the browser is
// in browser_test.cpp; the same checks on a real run are in e2e_test.cpp).
#include <gtest/gtest.h>

#include "reports/csv.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/record_json.hpp"
#include "reports/run_dir_sink.hpp"
#include "reports/durable.hpp"
#include "consumers.hpp"

namespace rig::reports {
namespace {

using namespace testing;

TEST(Consumers, record_validates_against_its_json_schema_while_running_and_at_end) {
    auto dir = fresh_dir("schema");
    RunRecord src = sample_record();
    RunDirSink sink(dir / "run", RunDirOptions{1, false});
    ASSERT_TRUE(sink.begin(src.info));
    for (std::size_t k = 0; k < 5; ++k) ASSERT_TRUE(sink.add(src.measurements[k]));
    std::filesystem::copy_file(dir / "run" / "record.json", dir / "running.json");  // with "writer", ended null
    for (std::size_t k = 5; k < src.measurements.size(); ++k) ASSERT_TRUE(sink.add(src.measurements[k]));
    ASSERT_TRUE(sink.end(RunState::completed, src.verdict, src.reason, src.ended));
    RunRecord aborted = src;
    aborted.state = RunState::aborted;
    aborted.info.seed.reset();
    aborted.info.instruments.clear();
    ASSERT_TRUE(write_file_atomic(dir / "aborted.json", record_to_string(aborted)));

    auto r = validate_records({dir / "run" / "record.json", dir / "running.json", dir / "aborted.json"});
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("valid"), std::string::npos) << r.output;

    // And the schema is not a rubber stamp: a record with a bad verdict is refused.
    auto j = record_to_json(src);
    j["measurements"][0]["verdict"] = "OK";
    j["measurements"][1]["unit"] = "mV";
    ASSERT_TRUE(write_file_atomic(dir / "bad.json", j.dump()));
    auto bad = validate_records({dir / "bad.json"});
    EXPECT_EQ(bad.status, 1) << bad.output;
    EXPECT_NE(bad.output.find("measurements/0/verdict"), std::string::npos) << bad.output;
    EXPECT_NE(bad.output.find("measurements/1/unit"), std::string::npos) << bad.output;
    std::filesystem::remove_all(dir);
}

TEST(Consumers, junitparser_sees_the_same_tests_failures_errors_and_skips_as_the_record) {
    auto dir = fresh_dir("junit");
    RunRecord r = sample_record();
    // More of each kind than one, so a mix-up between kinds would show.
    for (int k = 0; k < 3; ++k) {
        Measurement m = r.measurements[51];
        m.name += "_" + std::to_string(k);
        r.measurements.push_back(m);
    }
    Measurement e = r.measurements[52];
    e.name = "again";
    r.measurements.push_back(e);
    ASSERT_TRUE(write_file_atomic(dir / "junit.xml", junit_xml(r)));
    auto out = junit_counts(dir / "junit.xml");
    ASSERT_EQ(out.status, 0) << out.output;
    ASSERT_EQ(count_of(r, Verdict::fail), 4u);
    ASSERT_EQ(count_of(r, Verdict::error), 2u);
    EXPECT_NE(out.output.find(expected_junit_totals(r)), std::string::npos) << out.output;
    EXPECT_NE(out.output.find(expected_junit_cases(r)), std::string::npos) << out.output;
    std::filesystem::remove_all(dir);
}

TEST(Consumers, python_csv_reads_one_row_per_measurement_with_the_record_values) {
    auto dir = fresh_dir("csv");
    RunRecord r = sample_record();  // with a NaN value, quoting and escaping cases
    ASSERT_TRUE(write_file_atomic(dir / "measurements.csv", measurements_csv(r)));
    expect_csv_matches_record(dir / "measurements.csv", r);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
