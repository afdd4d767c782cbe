#include "reports/run_dir_sink.hpp"

#include <spdlog/spdlog.h>

#include "reports/csv.hpp"
#include "reports/html.hpp"
#include "reports/junit.hpp"
#include "reports/record_json.hpp"

namespace rig::reports {

RunDirSink::RunDirSink(std::filesystem::path dir, RunDirOptions options)
    : dir_(std::move(dir)), options_(options) {
    if (options_.rewrite_every == 0) options_.rewrite_every = 1;
}

std::filesystem::path RunDirSink::record_path() const { return dir_ / kRecordFileName; }

Status RunDirSink::rewrite(bool sync) {
    const WriterInfo* w = record_.state == RunState::running ? &writer_ : nullptr;
    RIG_TRY(write_file_atomic(record_path(), record_to_string(record_, w), sync));
    since_rewrite_ = 0;
    // A crash between the rename and this truncate is harmless: load_record() skips journal
    // entries that record.json already holds.
    if (journal_) RIG_TRY(journal_->truncate(sync));
    return Status::ok();
}

Status RunDirSink::begin(const RunInfo& info) {
    if (begun_) return Status(Code::invalid_argument, "run directory " + dir_.string() + ": begin() called twice");
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return Status(Code::io_error, "cannot create run directory " + dir_.string() + ": " + ec.message());
    if (std::filesystem::exists(record_path(), ec))
        return Status(Code::invalid_argument, "run directory " + dir_.string() + " already holds a record");
    record_ = RunRecord{};
    record_.info = info;
    record_.state = RunState::running;
    record_.verdict = Verdict::error;  // what a run that never ends is worth
    record_.reason = "run in progress";
    writer_ = current_writer();
    begun_ = true;
    if (options_.rewrite_every > 1) {
        auto j = AppendLog::create(dir_ / kJournalFileName);
        if (!j) return j.status();
        journal_.emplace(std::move(*j));
    }
    return rewrite(sync_each());
}

Status RunDirSink::add(const Measurement& m) {
    if (!begun_ || ended_)
        return Status(Code::invalid_argument, "run directory " + dir_.string() + ": add() outside begin()..end()");
    record_.measurements.push_back(m);
    if (++since_rewrite_ >= options_.rewrite_every || !journal_) return rewrite(sync_each());
    nlohmann::json e{{"i", record_.measurements.size() - 1}, {"measurement", measurement_to_json(m)}};
    return journal_->append(e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), sync_each());
}

Status RunDirSink::end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) {
    if (!begun_ || ended_)
        return Status(Code::invalid_argument, "run directory " + dir_.string() + ": end() without begin() or twice");
    record_.state = state;
    record_.verdict = verdict;
    record_.reason = reason;
    record_.ended = ended;
    ended_ = true;
    RIG_TRY(rewrite(true));  // the final record is always synced
    if (journal_) {
        journal_->close();
        std::error_code ec;
        std::filesystem::remove(dir_ / kJournalFileName, ec);
        journal_.reset();
    }
    if (!options_.write_reports) return Status::ok();
    Status first;
    auto put = [&](std::string_view name, const std::string& text) {
        Status s = write_file_atomic(dir_ / name, text, sync_each());  // views: remade from the record
        if (!s) {
            spdlog::error("run {}: cannot write {}: {}", record_.info.run_id, name, s.describe());
            if (first) first = s;
        }
    };
    put("junit.xml", junit_xml(record_));
    put("report.html", html_report(record_));
    put("measurements.csv", measurements_csv(record_));
    return first;
}

}  // namespace rig::reports
