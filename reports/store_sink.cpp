#include "reports/store_sink.hpp"

namespace rig::reports {

Result<std::unique_ptr<StoreSink>> StoreSink::open(const std::filesystem::path& db_file, StoreOptions options) {
    auto s = Store::open(db_file, options);
    if (!s) return s.status();
    return std::make_unique<StoreSink>(std::move(*s));
}

Status StoreSink::begin(const RunInfo& info) {
    if (begun_) return Status(Code::invalid_argument, "store sink: begin() called twice (run " + run_id_ + ")");
    RIG_TRY(store_->begin_run(info, current_writer()));
    run_id_ = info.run_id;
    next_seq_ = 0;
    begun_ = true;
    return Status::ok();
}

Status StoreSink::add(const Measurement& m) {
    if (!begun_) return Status(Code::invalid_argument, "store sink: add() before begin()");
    RIG_TRY(store_->add_measurement(run_id_, next_seq_, m));
    ++next_seq_;
    return Status::ok();
}

Status StoreSink::end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) {
    if (!begun_) return Status(Code::invalid_argument, "store sink: end() before begin()");
    RIG_TRY(store_->end_run(run_id_, state, verdict, reason, ended));
    begun_ = false;
    return Status::ok();
}

}  // namespace rig::reports
