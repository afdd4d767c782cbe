// The results store: every run of the rig in one SQLite file (WAL mode), written as the
// run goes by StoreSink and queried by serial, date, plan and verdict for history, reports,
// statistics and comparison. Tables: runs, instruments, measurements, samples (schema in
// docs/reports.md). One transaction per measurement. Durability (StoreOptions): by default
// synchronous=FULL, so each StoreSink call is on disk when it returns; with end_of_run,
// synchronous=NORMAL during the run (commits survive kill -9, not a power loss) and the
// end_run() transaction is committed with synchronous=FULL, which syncs the WAL and with
// it every earlier commit of the unit.
//
// Every run row carries its writer (pid, process start time, boot id, host). open()
// recovers: a run left "running" whose writer is provably gone (writer_alive() false) is
// marked aborted, verdict ERROR, reason kStoppedReason, so every started run is in the
// store with everything measured up to the kill.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reports/durable.hpp"
#include "reports/record.hpp"
#include "reports/writer.hpp"

struct sqlite3;

namespace rig::reports {

struct RunSummary {
    std::string run_id, serial, plan_name, plan_version, station, socket, dut_firmware;
    TimePoint started{}, ended{};
    RunState state{RunState::running};
    Verdict verdict{Verdict::error};
    std::string reason;
    std::size_t measurements{0}, failed{0}, errors{0};
};

struct RunQuery {
    std::optional<std::string> serial, plan;
    std::optional<Verdict> verdict;
    std::optional<RunState> state;
    std::optional<TimePoint> from, to;  // started in [from, to)
    std::size_t limit{0};               // 0 = all
    bool newest_first{false};
};

// One measurement row with its run, for statistics (no samples: cheap to scan).
struct MeasurementRow {
    std::string run_id, serial;
    TimePoint run_started{};
    Measurement m;  // samples left empty
};

struct StoreOptions {
    Durability durability{Durability::every_call};
};

class Store {
public:
    // Opens or creates the store, sets WAL and synchronous, creates the tables, recovers.
    static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file, StoreOptions options = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::size_t recovered() const { return recovered_; }  // runs marked aborted by open()

    // Writing as a run goes (StoreSink). `seq` numbers the measurements of a run from 0.
    Status begin_run(const RunInfo& info, const WriterInfo& writer);
    Status add_measurement(const std::string& run_id, std::size_t seq, const Measurement& m);
    Status end_run(const std::string& run_id, RunState state, Verdict verdict, const std::string& reason,
                   TimePoint ended);
    // A whole record in one transaction (import of a record.json, synthetic data).
    Status put(const RunRecord& record);

    Result<std::vector<RunSummary>> history(const std::string& serial);
    Result<std::vector<RunSummary>> runs(const RunQuery& q);
    Result<RunRecord> load(const std::string& run_id);
    // Measurements of every run of `plan` started at or after `since`, oldest run first.
    Result<std::vector<MeasurementRow>> plan_measurements(const std::string& plan,
                                                          std::optional<TimePoint> since);
    // Marks stale running runs aborted (open() does this once); returns how many.
    Result<std::size_t> recover();

private:
    Store(std::filesystem::path p, sqlite3* db, StoreOptions o) : path_(std::move(p)), db_(db), options_(o) {}
    Status exec(const char* sql, std::string_view what);
    Status insert_measurement(const std::string& run_id, std::size_t seq, const Measurement& m);
    Status insert_run(const RunRecord& r, const WriterInfo* writer);
    Status update_end(const std::string& run_id, RunState state, Verdict verdict, const std::string& reason,
                      TimePoint ended);

    std::filesystem::path path_;
    sqlite3* db_{nullptr};
    StoreOptions options_;
    std::size_t recovered_{0};
};

}  // namespace rig::reports
