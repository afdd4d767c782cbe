// The results-store sink: writes a run into the SQLite store as it goes (the run row at
// begin, one transaction per measurement, the verdict at end), each call on disk when it
// returns. Each sink owns its own connection, so sockets running in parallel (threads or
// processes) each get their own StoreSink on the same file.
#pragma once

#include <filesystem>
#include <memory>

#include "reports/record.hpp"
#include "reports/store.hpp"

namespace rig::reports {

class StoreSink final : public RecordSink {
public:
    static Result<std::unique_ptr<StoreSink>> open(const std::filesystem::path& db_file, StoreOptions options = {});
    explicit StoreSink(std::unique_ptr<Store> store) : store_(std::move(store)) {}
    StoreSink(const StoreSink&) = delete;
    StoreSink& operator=(const StoreSink&) = delete;

    Status begin(const RunInfo& info) override;
    Status add(const Measurement& m) override;
    Status end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) override;

    Store& store() { return *store_; }
    std::size_t committed() const { return next_seq_; }  // measurements on disk so far

private:
    std::unique_ptr<Store> store_;
    std::string run_id_;
    std::size_t next_seq_{0};
    bool begun_{false};
};

}  // namespace rig::reports
