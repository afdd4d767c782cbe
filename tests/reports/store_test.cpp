// The SQLite results store: round trip, queries, and recovery of runs whose writer died.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "reports/store.hpp"
#include "reports/store_sink.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;
using std::chrono::hours;

TEST(Store, sink_writes_a_run_that_loads_back_exactly) {
    auto dir = fresh_dir("store-roundtrip");
    RunRecord src = sample_record();
    src.measurements[0].started += std::chrono::nanoseconds(777);  // the store keeps ns
    {
        auto sink = StoreSink::open(dir / "r.db");
        ASSERT_TRUE(sink) << sink.status().describe();
        ASSERT_TRUE((*sink)->begin(src.info));
        for (const auto& m : src.measurements) ASSERT_TRUE((*sink)->add(m));
        EXPECT_EQ((*sink)->committed(), src.measurements.size());
        ASSERT_TRUE((*sink)->end(src.state, src.verdict, src.reason, src.ended));
    }
    auto store = Store::open(dir / "r.db");
    ASSERT_TRUE(store) << store.status().describe();
    EXPECT_EQ((*store)->recovered(), 0u);
    auto r = (*store)->load(src.info.run_id);
    ASSERT_TRUE(r) << r.status().describe();
    EXPECT_EQ(r->info.serial, src.info.serial);
    EXPECT_EQ(r->info.plan_sha256, src.info.plan_sha256);
    EXPECT_EQ(r->info.seed, src.info.seed);
    EXPECT_EQ(r->info.sim_settings, src.info.sim_settings);
    EXPECT_EQ(r->info.started, src.info.started);
    ASSERT_EQ(r->info.instruments.size(), 2u);
    EXPECT_EQ(r->info.instruments[1].serial, "MY1234");
    EXPECT_EQ(r->state, RunState::completed);
    EXPECT_EQ(r->verdict, src.verdict);
    EXPECT_EQ(r->reason, src.reason);
    EXPECT_EQ(r->ended, src.ended);
    ASSERT_EQ(r->measurements.size(), src.measurements.size());
    for (std::size_t k = 0; k < src.measurements.size(); ++k) {
        const auto &a = src.measurements[k], &b = r->measurements[k];
        EXPECT_EQ(a.name, b.name);
        EXPECT_EQ(a.has_value(), b.has_value());
        if (a.has_value()) {
            EXPECT_EQ(a.value, b.value);
        }
        EXPECT_EQ(a.limit.low, b.limit.low);
        EXPECT_EQ(a.limit.high, b.limit.high);
        EXPECT_EQ(a.verdict, b.verdict);
        EXPECT_EQ(a.zone, b.zone);
        EXPECT_EQ(a.message, b.message);
        EXPECT_EQ(a.started, b.started);
        ASSERT_EQ(a.samples.size(), b.samples.size());
        for (std::size_t s = 0; s < a.samples.size(); ++s) {
            EXPECT_EQ(a.samples[s].t, b.samples[s].t);
            EXPECT_EQ(a.samples[s].value, b.samples[s].value);
        }
    }
    auto missing = (*store)->load("no-such-run");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.status().code(), Code::invalid_argument);
    std::filesystem::remove_all(dir);
}

TEST(Store, queries_by_serial_date_range_plan_and_verdict) {
    auto dir = fresh_dir("store-queries");
    auto store = Store::open(dir / "q.db");
    ASSERT_TRUE(store);
    auto put = [&](const std::string& serial, const std::string& id, TimePoint t, const std::string& plan, Verdict v) {
        RunRecord r = sample_record(serial, t);
        r.info.run_id = id;
        r.info.plan_name = plan;
        r.verdict = v;
        ASSERT_TRUE((*store)->put(r));
    };
    put("SN1", "r1", at(2026, 11, 1), "eol", Verdict::fail);
    put("SN1", "r2", at(2026, 11, 2), "eol", Verdict::pass);
    put("SN2", "r3", at(2026, 11, 3), "eol", Verdict::pass);
    put("SN1", "r4", at(2026, 11, 4), "qa", Verdict::pass);
    auto h = (*store)->history("SN1");
    ASSERT_TRUE(h);
    ASSERT_EQ(h->size(), 3u);
    EXPECT_EQ((*h)[0].run_id, "r1");  // oldest first
    EXPECT_EQ((*h)[2].run_id, "r4");
    EXPECT_EQ((*h)[0].measurements, sample_record().measurements.size());
    EXPECT_EQ((*h)[0].failed, 1u);
    EXPECT_EQ((*h)[0].errors, 1u);

    RunQuery q;
    q.from = at(2026, 11, 2);
    q.to = at(2026, 11, 4);
    auto range = (*store)->runs(q);
    ASSERT_TRUE(range);
    ASSERT_EQ(range->size(), 2u);
    EXPECT_EQ((*range)[0].run_id, "r2");
    EXPECT_EQ((*range)[1].run_id, "r3");

    RunQuery by_plan;
    by_plan.plan = "eol";
    by_plan.verdict = Verdict::pass;
    by_plan.newest_first = true;
    auto pv = (*store)->runs(by_plan);
    ASSERT_TRUE(pv);
    ASSERT_EQ(pv->size(), 2u);
    EXPECT_EQ((*pv)[0].run_id, "r3");

    auto rows = (*store)->plan_measurements("eol", at(2026, 11, 2));
    ASSERT_TRUE(rows);
    EXPECT_EQ(rows->size(), 2 * sample_record().measurements.size());
    EXPECT_TRUE((*rows)[0].m.samples.empty());
    std::filesystem::remove_all(dir);
}

// A writer that dies mid-run leaves its run "running"; the next open marks it aborted.
TEST(Store, open_marks_runs_of_dead_writers_aborted_with_their_measurements) {
    auto dir = fresh_dir("store-recover");
    RunRecord src = sample_record();
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        auto sink = StoreSink::open(dir / "k.db");
        if (!sink || !(*sink)->begin(src.info)) _exit(2);
        for (std::size_t k = 0; k < 20; ++k)
            if (!(*sink)->add(src.measurements[k])) _exit(3);
        _exit(0);  // no end()
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    auto store = Store::open(dir / "k.db");
    ASSERT_TRUE(store) << store.status().describe();
    EXPECT_EQ((*store)->recovered(), 1u);
    auto r = (*store)->load(src.info.run_id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->state, RunState::aborted);
    EXPECT_EQ(r->verdict, Verdict::error);
    EXPECT_EQ(r->reason, kStoppedReason);
    EXPECT_EQ(r->measurements.size(), 20u);
    EXPECT_EQ(r->ended, src.measurements[19].ended);
    std::filesystem::remove_all(dir);
}

TEST(Store, open_leaves_the_run_of_a_live_writer_alone) {
    auto dir = fresh_dir("store-live");
    RunRecord src = sample_record();
    auto sink = StoreSink::open(dir / "l.db");
    ASSERT_TRUE(sink);
    ASSERT_TRUE((*sink)->begin(src.info));
    ASSERT_TRUE((*sink)->add(src.measurements[0]));
    auto other = Store::open(dir / "l.db");  // e.g. `rig history` while this run goes on
    ASSERT_TRUE(other);
    EXPECT_EQ((*other)->recovered(), 0u);
    auto r = (*other)->load(src.info.run_id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->state, RunState::running);
    ASSERT_TRUE((*sink)->add(src.measurements[1]));  // the writer is not disturbed
    ASSERT_TRUE((*sink)->end(RunState::completed, Verdict::pass, "", src.ended));
    std::filesystem::remove_all(dir);
}

TEST(Store, dead_writer_check_sees_gone_pids_and_other_boots) {
    WriterInfo me = current_writer();
    EXPECT_TRUE(writer_alive(me));
    WriterInfo other_boot = me;
    other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
    EXPECT_FALSE(writer_alive(other_boot));
    WriterInfo reused = me;
    reused.start_ticks = me.start_ticks + 1;  // same pid, different process
    EXPECT_FALSE(writer_alive(reused));
    WriterInfo elsewhere = other_boot;
    elsewhere.host = "another-rig";
    EXPECT_TRUE(writer_alive(elsewhere));  // cannot tell: leave it
}

TEST(Store, unopenable_path_names_the_file) {
    auto s = Store::open("/nonexistent-dir/x/results.db");
    ASSERT_FALSE(s);
    EXPECT_NE(s.status().message().find("/nonexistent-dir/x/results.db"), std::string::npos);
}

}  // namespace
}  // namespace rig::reports
