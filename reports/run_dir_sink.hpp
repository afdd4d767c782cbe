// The run directory sink: writes <dir>/record.json as the run goes, so a killed run still
// leaves a valid record (state "running"; load_record() reads it as aborted once its writer
// is gone). At end it writes junit.xml, report.html and measurements.csv beside it.
//
// Durability: begin() and end() rewrite record.json atomically (temp + fsync + rename +
// fsync dir). add() appends the measurement to record.journal and fdatasyncs it (one small
// write + one sync), and every `rewrite_every` adds folds the journal into a fresh
// record.json. So each call is durable when it returns, and a 150-measurement plan costs
// ~150 journal syncs + ~10 rewrites instead of 150 full rewrites (figures: docs/reports.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

#include "reports/durable.hpp"
#include "reports/record.hpp"
#include "reports/writer.hpp"

namespace rig::reports {

struct RunDirOptions {
    std::size_t rewrite_every{16};  // 1 = rewrite record.json on every add (no journal use)
    bool write_reports{true};       // junit.xml, report.html, measurements.csv at end
    Durability durability{Durability::every_call};  // see durable.hpp
};

class RunDirSink final : public RecordSink {
public:
    // `dir` is created by begin(); it must not already hold a record.json.
    explicit RunDirSink(std::filesystem::path dir, RunDirOptions options = {});
    RunDirSink(const RunDirSink&) = delete;
    RunDirSink& operator=(const RunDirSink&) = delete;

    Status begin(const RunInfo& info) override;
    Status add(const Measurement& m) override;
    Status end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) override;

    const RunRecord& record() const { return record_; }
    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path record_path() const;

private:
    Status rewrite(bool sync);
    bool sync_each() const { return options_.durability == Durability::every_call; }

    std::filesystem::path dir_;
    RunDirOptions options_;
    RunRecord record_;
    WriterInfo writer_;
    std::optional<AppendLog> journal_;
    std::size_t since_rewrite_{0};
    bool begun_{false}, ended_{false};
};

}  // namespace rig::reports
