#include "reports/fanout_sink.hpp"

namespace rig::reports {

void FanOutSink::add_sink(std::string name, std::unique_ptr<RecordSink> sink) {
    sinks_.push_back({std::move(name), sink.get()});
    owned_.push_back(std::move(sink));
}

void FanOutSink::add_sink(std::string name, RecordSink& sink) { sinks_.push_back({std::move(name), &sink}); }

template <class F>
Status FanOutSink::each(F&& f) {
    Status first;
    for (auto& e : sinks_) {
        Status s = f(*e.sink);
        if (!s && first) first = std::move(s).with_context("record sink " + e.name);
    }
    return first;
}

Status FanOutSink::begin(const RunInfo& info) {
    return each([&](RecordSink& s) { return s.begin(info); });
}

Status FanOutSink::add(const Measurement& m) {
    return each([&](RecordSink& s) { return s.add(m); });
}

Status FanOutSink::end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) {
    return each([&](RecordSink& s) { return s.end(state, verdict, reason, ended); });
}

}  // namespace rig::reports
