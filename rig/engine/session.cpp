#include "rig/engine/session.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "reports/fanout_sink.hpp"
#include "reports/hash.hpp"
#include "reports/run_dir_sink.hpp"
#include "reports/store_sink.hpp"

namespace rig::engine {

namespace {

// Stands in for a sink that could not be opened: the run then ends as ERROR with why,
// every step SKIPPED, and the bench safe (the sequencer's rule for a failing sink).
class FailedSink final : public reports::RecordSink {
public:
    explicit FailedSink(Status why) : why_(std::move(why)) {}
    Status begin(const reports::RunInfo&) override { return why_; }
    Status add(const Measurement&) override { return why_; }
    Status end(reports::RunState, Verdict, const std::string&, TimePoint) override { return why_; }

private:
    Status why_;
};

std::string hash_of(const std::string& path) {
    auto h = reports::sha256_file(path);
    return h ? *h : std::string();
}

}  // namespace

std::string make_run_id(const std::string& station, TimePoint t, const std::string& serial, int n) {
    auto secs = std::chrono::floor<std::chrono::seconds>(t);
    return fmt::format("{}-{:%Y%m%dT%H%M%S}-{}-{}", station.empty() ? "rig" : station, secs, serial, n);
}

reports::RunInfo make_run_info(const Fixture& fixture, const Plan& plan, const Bench& bench, const Clock& clock,
                               const UnitOptions& o, const std::string& run_id) {
    reports::RunInfo info;
    info.run_id = run_id;
    info.serial = o.serial;
    info.operator_name = o.operator_name;
    info.station = fixture.station;
    info.socket = bench.socket().name;
    info.fixture_file = fixture.file;
    info.fixture_sha256 = hash_of(fixture.file);
    info.plan_name = plan.name;
    info.plan_version = plan.version;
    info.plan_file = plan.file;
    info.plan_sha256 = hash_of(plan.file);
    info.dut_model = plan.dut_model;
    if (auto* dut = bench.dut()) {
        info.dut_identity = dut->identity().model.empty() ? dut->spec().model : dut->identity().model;
        info.dut_firmware = dut->identity().firmware;
    }
    info.instruments = bench.instrument_records();
    info.clock = clock.is_virtual() ? "virtual" : "real";
    info.seed = o.seed;
    info.sim_settings = o.sim_settings;
    info.started = clock.now();
    return info;
}

UnitResult run_unit(const Fixture& fixture, const Plan& plan, Bench& bench, Clock& clock, const UnitOptions& o,
                    std::stop_token stop) {
    UnitResult res;
    TimePoint t = clock.now();
    for (int n = 1;; ++n) {
        res.run_id = make_run_id(fixture.station, t, o.serial, n);
        if (o.out_dir.empty() || !std::filesystem::exists(o.out_dir / res.run_id)) break;
    }
    reports::FanOutSink fan;
    if (!o.out_dir.empty()) {
        res.record_dir = o.out_dir / res.run_id;
        std::error_code ec;
        std::filesystem::create_directories(o.out_dir, ec);
        fan.add_sink("run directory " + res.record_dir.string(), std::make_unique<reports::RunDirSink>(res.record_dir));
    }
    if (!o.db_file.empty()) {
        auto store = reports::StoreSink::open(o.db_file);
        if (store) fan.add_sink("results store " + o.db_file.string(), std::move(*store));
        else fan.add_sink("results store " + o.db_file.string(), std::make_unique<FailedSink>(store.status()));
    }
    if (o.extra_sink) fan.add_sink("extra", *o.extra_sink);
    Sequencer seq(bench, clock, fan);
    res.outcome = seq.run(plan, make_run_info(fixture, plan, bench, clock, o, res.run_id), stop, o.run);
    return res;
}

Result<SocketClock> make_socket_clock(const Fixture& fixture, bool virtual_time) {
    SocketClock sc;
    if (!virtual_time) {
        sc.clock = std::make_unique<SteadyClock>();
        return sc;
    }
    if (!fixture.sim)
        return Status(Code::invalid_argument, "virtual time needs the fixture's [sim] control port (" + fixture.file + ")");
    auto ctl = drivers::SimControl::connect(fixture.sim->control, std::chrono::seconds(2));
    if (!ctl) return ctl.status().with_context("virtual bench control port");
    auto now = (*ctl)->now();
    if (!now) return now.status().with_context("virtual bench control port");
    sc.control = std::move(*ctl);
    auto vc = std::make_unique<VirtualClock>(*now);
    drivers::SimControl* raw = sc.control.get();
    vc->on_advance([raw](TimePoint t) { return raw->advance_to(t); });
    sc.clock = std::move(vc);
    return sc;
}

}  // namespace rig::engine
