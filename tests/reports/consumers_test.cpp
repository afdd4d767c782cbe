// The reports read by independent consumers: the record by python-jsonschema against its own
// schema, junit.xml by junitparser (the browser is in browser_test.cpp).
#include <gtest/gtest.h>

#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/record_json.hpp"
#include "reports/run_dir_sink.hpp"
#include "reports/durable.hpp"
#include "run_command.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

const std::string kPython = "/usr/bin/python3";
const std::string kPy = RIG_REPORTS_PY;

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

    auto r = run_command(kPython + " " + shell_quoted(kPy + "/validate_record.py") + " " + shell_quoted(RIG_RECORD_SCHEMA) + " " +
                         shell_quoted((dir / "run" / "record.json").string()) + " " + shell_quoted((dir / "running.json").string()) +
                         " " + shell_quoted((dir / "aborted.json").string()));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("valid"), std::string::npos) << r.output;

    // And the schema is not a rubber stamp: a record with a bad verdict is refused.
    auto j = record_to_json(src);
    j["measurements"][0]["verdict"] = "OK";
    j["measurements"][1]["unit"] = "mV";
    ASSERT_TRUE(write_file_atomic(dir / "bad.json", j.dump()));
    auto bad = run_command(kPython + " " + shell_quoted(kPy + "/validate_record.py") + " " + shell_quoted(RIG_RECORD_SCHEMA) + " " +
                           shell_quoted((dir / "bad.json").string()));
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
    auto out = run_command(kPython + " " + shell_quoted(kPy + "/junit_counts.py") + " " + shell_quoted((dir / "junit.xml").string()));
    ASSERT_EQ(out.status, 0) << out.output;
    std::size_t n = r.measurements.size(), f = count_of(r, Verdict::fail), er = count_of(r, Verdict::error),
                s = count_of(r, Verdict::skipped);
    ASSERT_EQ(f, 4u);
    ASSERT_EQ(er, 2u);
    EXPECT_NE(out.output.find("suites=1 tests=" + std::to_string(n) + " failures=" + std::to_string(f) +
                              " errors=" + std::to_string(er) + " skipped=" + std::to_string(s)),
              std::string::npos)
        << out.output;
    EXPECT_NE(out.output.find("cases=" + std::to_string(n) + " failure=" + std::to_string(f) + " error=" +
                              std::to_string(er) + " skipped=" + std::to_string(s) + " classnames=eol"),
              std::string::npos)
        << out.output;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
