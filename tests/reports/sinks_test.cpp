// Sinks: the run directory keeps a valid record.json as the run goes and after a kill; the
// fan-out sink feeds every sink even when one fails.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "reports/fanout_sink.hpp"
#include "reports/record_json.hpp"
#include "reports/run_dir_sink.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

TEST(RunDirSink, record_is_valid_and_running_after_every_add) {
    auto dir = fresh_dir("rundir-running");
    RunRecord src = sample_record();
    RunDirSink sink(dir / "run", RunDirOptions{4, true});
    ASSERT_TRUE(sink.begin(src.info));
    for (std::size_t k = 0; k < 10; ++k) {
        ASSERT_TRUE(sink.add(src.measurements[k]));
        auto r = load_record(dir / "run");
        ASSERT_TRUE(r) << r.status().describe();
        EXPECT_EQ(r->state, RunState::running);  // this process is alive: still running
        ASSERT_EQ(r->measurements.size(), k + 1);  // record.json + journal
        EXPECT_EQ(r->measurements[k].name, src.measurements[k].name);
        // record.json on its own is always a whole record too.
        auto alone = parse_record(read_file(dir / "run" / "record.json"), "record.json");
        ASSERT_TRUE(alone) << alone.status().describe();
        EXPECT_EQ(alone->measurements.size(), (k + 1) / 4 * 4);
    }
    std::filesystem::remove_all(dir);
}

TEST(RunDirSink, end_writes_the_final_record_and_the_reports) {
    auto dir = fresh_dir("rundir-end");
    RunRecord src = sample_record();
    RunDirSink sink(dir / "run");
    ASSERT_TRUE(sink.begin(src.info));
    for (const auto& m : src.measurements) ASSERT_TRUE(sink.add(m));
    ASSERT_TRUE(sink.end(RunState::completed, src.verdict, src.reason, src.ended));
    auto r = load_record(dir / "run" / "record.json");
    ASSERT_TRUE(r) << r.status().describe();
    EXPECT_EQ(r->state, RunState::completed);
    EXPECT_EQ(r->verdict, Verdict::error);
    EXPECT_EQ(r->measurements.size(), src.measurements.size());
    EXPECT_FALSE(nlohmann::json::parse(read_file(dir / "run" / "record.json")).contains("writer"));
    EXPECT_FALSE(std::filesystem::exists(dir / "run" / "record.journal"));
    for (const char* f : {"junit.xml", "report.html", "measurements.csv"})
        EXPECT_GT(std::filesystem::file_size(dir / "run" / f), 500u) << f;
    std::filesystem::remove_all(dir);
}

TEST(RunDirSink, rewrite_on_every_add_needs_no_journal) {
    auto dir = fresh_dir("rundir-every");
    RunRecord src = sample_record();
    RunDirSink sink(dir / "run", RunDirOptions{1, false});
    ASSERT_TRUE(sink.begin(src.info));
    for (std::size_t k = 0; k < 5; ++k) ASSERT_TRUE(sink.add(src.measurements[k]));
    EXPECT_FALSE(std::filesystem::exists(dir / "run" / "record.journal"));
    auto alone = parse_record(read_file(dir / "run" / "record.json"), "record.json");
    ASSERT_TRUE(alone);
    EXPECT_EQ(alone->measurements.size(), 5u);
    ASSERT_TRUE(sink.end(RunState::aborted, Verdict::error, "operator abort", src.ended));
    EXPECT_FALSE(std::filesystem::exists(dir / "run" / "report.html"));
    std::filesystem::remove_all(dir);
}

TEST(RunDirSink, refuses_a_directory_that_already_holds_a_record) {
    auto dir = fresh_dir("rundir-twice");
    RunRecord src = sample_record();
    {
        RunDirSink first(dir / "run");
        ASSERT_TRUE(first.begin(src.info));
    }
    RunDirSink second(dir / "run");
    Status s = second.begin(src.info);
    EXPECT_FALSE(s);
    EXPECT_NE(s.message().find("already holds a record"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(RunDirSink, add_before_begin_is_an_error_not_a_crash) {
    auto dir = fresh_dir("rundir-order");
    RunDirSink sink(dir / "run");
    EXPECT_FALSE(sink.add(sample_record().measurements[0]));
    EXPECT_FALSE(sink.end(RunState::completed, Verdict::pass, "", TimePoint{}));
    std::filesystem::remove_all(dir);
}

// The writer dies (no end()): readers see the run aborted with every measurement it added,
// whether it synced each call or only meant to at the end.
TEST(RunDirSink, record_of_a_killed_writer_reads_as_aborted_with_all_measurements) {
    for (Durability d : {Durability::every_call, Durability::end_of_run}) {
        SCOPED_TRACE(d == Durability::every_call ? "every_call" : "end_of_run");
        auto dir = fresh_dir("rundir-killed");
        RunRecord src = sample_record();
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            RunDirSink sink(dir / "run", RunDirOptions{16, true, d});
            if (!sink.begin(src.info)) _exit(2);
            for (std::size_t k = 0; k < 37; ++k)
                if (!sink.add(src.measurements[k])) _exit(3);
            _exit(0);  // dies without end(): like a kill -9 after the 37th add returned
        }
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
        auto r = load_record(dir / "run");
        ASSERT_TRUE(r) << r.status().describe();
        EXPECT_EQ(r->state, RunState::aborted);
        EXPECT_EQ(r->verdict, Verdict::error);
        EXPECT_EQ(r->reason, kStoppedReason);
        ASSERT_EQ(r->measurements.size(), 37u);
        EXPECT_EQ(r->measurements[36].name, src.measurements[36].name);
        EXPECT_GE(r->ended, r->measurements[36].ended - std::chrono::milliseconds(1));
        std::filesystem::remove_all(dir);
    }
}

TEST(RunDirSink, torn_last_journal_line_is_dropped) {
    auto dir = fresh_dir("rundir-torn");
    RunRecord src = sample_record();
    {
        RunDirSink sink(dir / "run", RunDirOptions{100, false});
        ASSERT_TRUE(sink.begin(src.info));
        for (std::size_t k = 0; k < 3; ++k) ASSERT_TRUE(sink.add(src.measurements[k]));
    }
    std::FILE* f = std::fopen((dir / "run" / "record.journal").c_str(), "ab");
    std::fputs("{\"i\":3,\"measurement\":{\"step\":\"acc", f);  // the writer died mid-line
    std::fclose(f);
    auto r = load_record(dir / "run");
    ASSERT_TRUE(r) << r.status().describe();
    EXPECT_EQ(r->measurements.size(), 3u);
    std::filesystem::remove_all(dir);
}

class FailingSink final : public RecordSink {
public:
    int calls{0};
    Status begin(const RunInfo&) override { return ++calls, Status(Code::io_error, "disk full"); }
    Status add(const Measurement&) override { return ++calls, Status(Code::io_error, "disk full"); }
    Status end(RunState, Verdict, const std::string&, TimePoint) override { return ++calls, Status::ok(); }
};

TEST(FanOutSink, every_sink_gets_every_call_and_the_first_failure_is_named) {
    auto dir = fresh_dir("fanout");
    RunRecord src = sample_record();
    FanOutSink fan;
    FailingSink failing;
    fan.add_sink("broken", failing);
    fan.add_sink("run directory", std::make_unique<RunDirSink>(dir / "run"));
    Status s = fan.begin(src.info);
    EXPECT_FALSE(s);
    EXPECT_NE(s.message().find("record sink broken"), std::string::npos) << s.message();
    EXPECT_FALSE(fan.add(src.measurements[0]));
    EXPECT_TRUE(fan.end(RunState::completed, Verdict::pass, "", src.ended));
    EXPECT_EQ(failing.calls, 3);
    auto r = load_record(dir / "run");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->measurements.size(), 1u);
    EXPECT_EQ(r->state, RunState::completed);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
