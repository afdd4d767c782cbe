// A sink that feeds several sinks (run directory + results store) in order. Every sink gets
// every call even when an earlier one failed, so one broken writer never costs the others
// their record; the first failure is returned, naming the sink.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "reports/record.hpp"

namespace rig::reports {

class FanOutSink final : public RecordSink {
public:
    FanOutSink() = default;
    FanOutSink(const FanOutSink&) = delete;
    FanOutSink& operator=(const FanOutSink&) = delete;

    void add_sink(std::string name, std::unique_ptr<RecordSink> sink);  // owned
    void add_sink(std::string name, RecordSink& sink);                  // borrowed: must outlive this
    std::size_t size() const { return sinks_.size(); }

    Status begin(const RunInfo& info) override;
    Status add(const Measurement& m) override;
    Status end(RunState state, Verdict verdict, const std::string& reason, TimePoint ended) override;

private:
    template <class F>
    Status each(F&& f);

    struct Entry {
        std::string name;
        RecordSink* sink;
    };
    std::vector<Entry> sinks_;
    std::vector<std::unique_ptr<RecordSink>> owned_;
};

}  // namespace rig::reports
