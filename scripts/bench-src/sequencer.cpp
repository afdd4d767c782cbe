// Sequencer benchmarks (Google Benchmark):
//   BM_StepOverhead          the sequencer's own cost per step, with in-process fakes that
//                            answer instantly and a virtual clock (target <= 20 µs)
//   BM_EolVirtualUnits       complete EOL units in virtual time on the virtual bench, one
//                            core: units per minute (target >= 2000), with and without the
//                            comms-silence confirmation of the shutdown ramp. Run it on one
//                            core (`taskset -c 0 bench_sequencer`): the rig and the bench's
//                            reactor thread then share it, as on a one-core station; the
//                            benchmark prints how many CPUs it was allowed. cpu_ms_per_unit
//                            (both threads) is what a unit costs with the core to itself.
//   BM_EolRealTimeVsFloor    EOL wall time in real time against its physics floor (the same
//                            plan's duration in virtual time = the sum of the waits the DUT's
//                            timing forces on this plan); ratio target <= 1.15
#include <benchmark/benchmark.h>
#include <sched.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "rig/core/log.hpp"
#include "rig/engine/session.hpp"
#include "sim/virtual_bench.hpp"
#include "tests/engine/fakes.hpp"

using namespace rig;
using namespace rig::engine;

namespace {

const std::string kSrc = RIG_SOURCE_DIR;

class NullSink final : public reports::RecordSink {
public:
    Status begin(const reports::RunInfo&) override { return Status::ok(); }
    Status add(const Measurement&) override { return Status::ok(); }
    Status end(reports::RunState, Verdict, const std::string&, TimePoint) override { return Status::ok(); }
};

void BM_StepOverhead(benchmark::State& state) {
    const int steps = 200;
    std::string text = "[plan]\nname = \"b\"\nversion = \"1\"\ndut_model = \"x\"\nstop_policy = \"continue\"\n";
    for (int i = 0; i < steps; ++i)
        text += "[[steps]]\nid = \"s" + std::to_string(i) + "\"\nkind = \"measure\"\nsource = \"dut.detected_cells\"\nlimit = \"24\"\n";
    Plan plan = parse_plan(text, "bench.toml");
    testing::FakeBench fb;
    VirtualClock clock(TimePoint{});
    NullSink sink;
    rig::log::setup({"warn", "", true});
    for (auto _ : state) {
        Sequencer seq(*fb.bench, clock, sink);
        auto o = seq.run(plan, reports::RunInfo{}, {});
        benchmark::DoNotOptimize(o.verdict);
    }
    // items_per_second = steps per second of wall time; its inverse is the cost of a step.
    state.SetItemsProcessed(static_cast<std::int64_t>(steps) * state.iterations());
}
BENCHMARK(BM_StepOverhead)->Unit(benchmark::kMillisecond);

struct VirtualRig {
    std::unique_ptr<sim::VirtualBench> vb;
    Fixture fixture;
};

VirtualRig start_rig(bool virtual_time) {
    VirtualRig r;
    sim::VirtualBenchOptions o;
    o.fixture_path = kSrc + "/fixtures/virtual.toml";
    o.virtual_time = virtual_time;
    auto vb = sim::VirtualBench::start(o);
    if (!vb) throw std::runtime_error(vb.status().describe());
    r.vb = std::move(*vb);
    r.fixture = load_fixture(r.vb->resolved_fixture_path());
    return r;
}

Plan eol(bool confirm_comms) {
    Plan p = load_plan(kSrc + "/testplans/eol.toml");
    if (!confirm_comms)
        for (auto& s : p.steps)
            if (s.kind_name == "ramp_until") {
                ParamValue v = s.params.at("confirm_comms");
                v.number = 0;
                s.params.set("confirm_comms", v);
            }
    return p;
}

// CPU time of the whole process (rig and bench threads), seconds.
double process_cpu_s() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

int allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    return ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
}

void BM_EolVirtualUnits(benchmark::State& state) {
    rig::log::setup({"off", "", true});
    static const int cpus = [] {
        int n = allowed_cpus();
        std::printf("EOL virtual units: %d CPU%s allowed%s\n", n, n == 1 ? "" : "s",
                    n == 1 ? " (one core: rig and bench share it)" : " -- run under `taskset -c 0` for the one-core figure");
        return n;
    }();
    static VirtualRig rig = start_rig(true);
    Plan plan = eol(state.range(0) != 0);
    auto sc = make_socket_clock(rig.fixture, true);
    InstrumentPool pool(rig.fixture);
    auto bench = Bench::open(rig.fixture, rig.fixture.sockets.at(0), pool);
    NullSink sink;
    std::uint64_t seed = 1;
    int passed = 0, units = 0;
    double cpu0 = process_cpu_s();
    for (auto _ : state) {
        (void)rig.vb->reset_unit(seed++, true, {});
        Sequencer seq(**bench, *sc->clock, sink);
        auto o = seq.run(plan, reports::RunInfo{}, {});
        passed += o.verdict == Verdict::pass ? 1 : 0;
        ++units;
    }
    state.counters["units_per_min"] = benchmark::Counter(static_cast<double>(units) * 60.0, benchmark::Counter::kIsRate);
    state.counters["pass_share"] = units ? static_cast<double>(passed) / units : 0.0;
    state.counters["cpu_ms_per_unit"] = units ? (process_cpu_s() - cpu0) * 1e3 / units : 0.0;
    state.counters["cpus"] = cpus;
}
BENCHMARK(BM_EolVirtualUnits)->Arg(1)->Arg(0)->ArgName("confirm_comms")->Unit(benchmark::kSecond)->Iterations(10)->UseRealTime();

void BM_EolRealTimeVsFloor(benchmark::State& state) {
    rig::log::setup({"off", "", true});
    Plan plan = eol(true);
    double floor_s = 0.0, wall_s = 0.0;
    {
        auto rig = start_rig(true);
        auto sc = make_socket_clock(rig.fixture, true);
        InstrumentPool pool(rig.fixture);
        auto bench = Bench::open(rig.fixture, rig.fixture.sockets.at(0), pool);
        NullSink sink;
        Sequencer seq(**bench, *sc->clock, sink);
        auto o = seq.run(plan, reports::RunInfo{}, {});
        floor_s = std::chrono::duration<double>(o.ended - o.started).count();
    }
    for (auto _ : state) {
        auto rig = start_rig(false);
        SteadyClock clock;
        InstrumentPool pool(rig.fixture);
        auto bench = Bench::open(rig.fixture, rig.fixture.sockets.at(0), pool);
        NullSink sink;
        Sequencer seq(**bench, clock, sink);
        auto t0 = std::chrono::steady_clock::now();
        auto o = seq.run(plan, reports::RunInfo{}, {});
        wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.counters["verdict_pass"] = o.verdict == Verdict::pass ? 1 : 0;
    }
    state.counters["floor_s"] = floor_s;
    state.counters["wall_s"] = wall_s;
    state.counters["ratio"] = wall_s / floor_s;
    std::printf("EOL real time: wall %.2f s, physics floor (virtual-time duration) %.2f s, ratio %.3f (target <= 1.15)\n",
                wall_s, floor_s, wall_s / floor_s);
}
BENCHMARK(BM_EolRealTimeVsFloor)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
