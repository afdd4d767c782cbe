// `rig history | report | stats | compare` run as a user would, on a store built here.
#include <gtest/gtest.h>

#include "reports/durable.hpp"
#include "reports/record_json.hpp"
#include "reports/store.hpp"
#include "run_command.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

class RigCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fresh_dir(std::string("cli-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        db_ = (dir_ / "results.db").string();
        auto store = Store::open(db_);
        ASSERT_TRUE(store) << store.status().describe();
        RunRecord a = sample_record("SN-1", at(2026, 11, 20));
        a.info.run_id = "run-a";
        RunRecord b = sample_record("SN-1", at(2026, 11, 21));
        b.info.run_id = "run-b";
        RunRecord c = sample_record("SN-2", at(2026, 11, 22));
        c.info.run_id = "run-c";
        for (auto& m : c.measurements)
            if (m.name == "shutdown_V") {
                m.value = 2.26;  // 70 mV up: 0.35 x the 0.2 V half-width, still PASS
                m.judge();
            }
        for (const auto* r : {&a, &b, &c}) ASSERT_TRUE((*store)->put(*r));
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    CommandResult rig(const std::string& args) {
        return run_command(std::string("RIG_DB=") + shell_quoted(db_) + " " + RIG_EXE + " " + args);
    }

    std::filesystem::path dir_;
    std::string db_;
};

TEST_F(RigCli, history_lists_the_runs_of_a_serial) {
    auto r = rig("history --serial SN-1");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("run-a"), std::string::npos);
    EXPECT_NE(r.output.find("run-b"), std::string::npos);
    EXPECT_EQ(r.output.find("run-c"), std::string::npos);
    EXPECT_LT(r.output.find("run-a"), r.output.find("run-b"));
    auto none = rig("history --serial NOPE");
    EXPECT_EQ(none.status, 0);
    EXPECT_NE(none.output.find("no runs"), std::string::npos);
}

TEST_F(RigCli, report_regenerates_every_format_from_the_store) {
    for (const char* fmt : {"html", "junit", "csv", "json"}) {
        auto out = dir_ / (std::string("out.") + fmt);
        auto r = rig(std::string("report --run run-b --format ") + fmt + " --out " + shell_quoted(out.string()));
        ASSERT_EQ(r.status, 0) << fmt << ": " << r.output;
        EXPECT_GT(std::filesystem::file_size(out), 1000u) << fmt;
    }
    auto back = load_record(dir_ / "out.json");
    ASSERT_TRUE(back) << back.status().describe();
    EXPECT_EQ(back->info.run_id, "run-b");
    EXPECT_EQ(back->measurements.size(), sample_record().measurements.size());
    // The record.json written out works as a report source too.
    auto from_file = rig("report --run " + shell_quoted((dir_ / "out.json").string()) + " --format junit");
    EXPECT_EQ(from_file.status, 0);
    EXPECT_NE(from_file.output.find("<testsuites"), std::string::npos);
}

TEST_F(RigCli, bad_input_exits_3) {
    EXPECT_EQ(rig("report --run no-such-run --format csv").status, 3);
    EXPECT_EQ(rig("report --run run-a --format pdf").status, 3);
    EXPECT_EQ(rig("stats --plan eol --since yesterday").status, 3);
    EXPECT_EQ(run_command(std::string(RIG_EXE) + " history --serial X --db " + shell_quoted((dir_ / "none.db").string())).status, 3);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db"));  // reading never creates a store
}

TEST_F(RigCli, stats_prints_a_table_and_writes_an_html_page) {
    auto html = dir_ / "stats.html";
    auto r = rig("stats --plan eol --since 2026-11-21 --html " + shell_quoted(html.string()));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("plan eol since 2026-11-21T00:00:00.000Z: 2 runs, 2 units"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("accuracy_3v3/cell_error.B7"), std::string::npos);
    std::string page = read_file(html);
    EXPECT_NE(page.find("<svg "), std::string::npos);
}

TEST_F(RigCli, compare_exits_0_for_a_rerun_and_1_for_a_regression) {
    auto same = rig("compare run-a run-b");
    EXPECT_EQ(same.status, 0) << same.output;
    EXPECT_NE(same.output.find("no regression"), std::string::npos);
    // run-c: shutdown_V moved 0.35 x its tolerance: beyond 0.25, within 0.5.
    auto moved = rig("compare run-a run-c");
    EXPECT_EQ(moved.status, 1) << moved.output;
    EXPECT_NE(moved.output.find("REGRESSION"), std::string::npos);
    EXPECT_EQ(rig("compare run-a run-c --fraction 0.5").status, 0);
    // A record.json file against a stored run.
    auto file = dir_ / "a.json";
    auto out = rig("report --run run-a --format json --out " + shell_quoted(file.string()));
    ASSERT_EQ(out.status, 0);
    EXPECT_EQ(rig("compare " + shell_quoted(file.string()) + " run-b").status, 0);
}

}  // namespace
}  // namespace rig::reports
