#include "rig/engine/session.hpp"

#include <numeric>
#include <set>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "reports/fanout_sink.hpp"
#include "reports/hash.hpp"
#include "reports/run_dir_sink.hpp"
#include "reports/store_sink.hpp"
#include "rig/engine/step_kind.hpp"

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
    info.fixture_file = o.fixture_file.empty() ? fixture.file : o.fixture_file.string();
    info.fixture_sha256 = hash_of(info.fixture_file);
    info.plan_name = plan.name;
    info.plan_version = plan.version;
    info.plan_file = plan.file;
    info.plan_sha256 = hash_of(plan.file);
    info.dut_model = plan.dut_model;
    // The DUT's and the instruments' identities: Sequencer::run adds them once connected.
    if (auto* dut = bench.dut()) info.dut_identity = dut->spec().model;
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
        reports::RunDirOptions rd;
        rd.durability = o.durability;
        fan.add_sink("run directory " + res.record_dir.string(),
                     std::make_unique<reports::RunDirSink>(res.record_dir, rd));
    }
    if (!o.db_file.empty()) {
        auto store = reports::StoreSink::open(o.db_file, reports::StoreOptions{o.durability});
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

namespace {

// Sockets that share something a plan commands or judges by (see socket_lanes).
bool share_a_resource(const SocketSpec& a, const SocketSpec& b) {
    auto same = [](const std::string& x, const std::string& y) { return !x.empty() && x == y; };
    if (same(a.supply, b.supply) || same(a.meter, b.meter) || same(a.dut, b.dut)) return true;
    if (same(a.relays, b.relays)) {
        std::set<int> used;
        for (auto& [role, relay] : a.relay_map) used.insert(relay);
        for (auto& [role, relay] : b.relay_map)
            if (used.count(relay)) return true;
    }
    if (same(a.cells, b.cells)) {
        std::set<int> channels(a.wiring.begin(), a.wiring.end());
        for (int ch : b.wiring)
            if (channels.count(ch)) return true;
    }
    return false;
}

}  // namespace

std::vector<std::vector<size_t>> socket_lanes(const std::vector<const SocketSpec*>& sockets) {
    // Union-find over "shares a resource", lanes ordered by their first socket.
    std::vector<size_t> root(sockets.size());
    std::iota(root.begin(), root.end(), size_t{0});
    auto find = [&](size_t i) {
        while (root[i] != i) i = root[i] = root[root[i]];
        return i;
    };
    for (size_t i = 0; i < sockets.size(); ++i)
        for (size_t j = i + 1; j < sockets.size(); ++j)
            if (share_a_resource(*sockets[i], *sockets[j])) root[find(j)] = find(i);
    std::vector<std::vector<size_t>> lanes;
    std::map<size_t, size_t> lane_of_root;
    for (size_t i = 0; i < sockets.size(); ++i) {
        auto [it, added] = lane_of_root.try_emplace(find(i), lanes.size());
        if (added) lanes.emplace_back();
        lanes[it->second].push_back(i);
    }
    return lanes;
}

std::vector<UnitResult> run_sockets(const Fixture& fixture, const Plan& plan, std::vector<SocketUnit>& units,
                                    const std::vector<std::vector<size_t>>& lanes, std::stop_token stop) {
    std::vector<UnitResult> results(units.size());
    auto run_lane = [&](const std::vector<size_t>& lane) {
        for (size_t i : lane) {
            if (stop.stop_requested()) break;
            auto& u = units.at(i);
            results[i] = run_unit(fixture, plan, *u.bench, *u.clock, u.options, stop);
        }
    };
    if (lanes.size() == 1) {
        run_lane(lanes.front());
        return results;
    }
    {
        std::vector<std::jthread> threads;
        threads.reserve(lanes.size());
        for (auto& lane : lanes) threads.emplace_back([&run_lane, &lane] { run_lane(lane); });
    }  // joined here
    return results;
}

namespace {

// A one-step plan, so the step is built, defaulted and checked against the safe limits
// exactly as a plan's power_up step would be.
Result<Plan> power_up_plan(const Fixture& fixture, const SocketSpec& socket, const PowerUpOverrides& overrides) {
    std::string text = "[plan]\nname = \"power-up\"\nversion = \"1\"\ndut_model = \"any\"\n"
                       "[[steps]]\nid = \"power_up\"\nkind = \"power_up\"\n";
    if (overrides.cells) text += "cells = \"" + format_quantity(overrides.cells->value, Unit::volt, 9) + "\"\n";
    if (overrides.supply_voltage)
        text += "supply_voltage = \"" + format_quantity(overrides.supply_voltage->value, Unit::volt, 9) + "\"\n";
    try {
        Plan plan = parse_plan(text, "power-up of socket " + socket.name);
        validate_for_fixture(plan, fixture, socket);
        return plan;
    } catch (const ConfigError& e) {
        return Status(Code::invalid_argument, e.what());
    }
}

}  // namespace

Status check_power_up(const Fixture& fixture, const SocketSpec& socket, const PowerUpOverrides& overrides) {
    auto plan = power_up_plan(fixture, socket, overrides);
    return plan ? Status::ok() : plan.status();
}

Result<bool> power_up_socket(const Fixture& fixture, Bench& bench, Clock& clock, const PowerUpOverrides& overrides,
                             std::stop_token stop) {
    auto plan = power_up_plan(fixture, bench.socket(), overrides);
    if (!plan) return plan.status();
    const Step& step = plan->steps.at(0);
    RunResults none;
    StepContext ctx(bench, clock, std::move(stop), *plan, step, none,
                    clock.now() + step.timeout.value_or(step.kind->default_timeout));
    RIG_TRY(step.kind->run(ctx).with_context("socket " + bench.socket().name + " power-up"));
    for (auto& m : ctx.measurements())
        if (m.name == "dut_answers") return m.verdict == Verdict::pass;
    return false;
}

}  // namespace rig::engine
