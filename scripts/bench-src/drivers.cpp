// bench_drivers: what the driver stack costs on top of the wire. Reads the 24 cell voltages
// of the virtual bench's emulator twin (Modbus TCP on loopback, in this process) through
// CellEmulator::read_voltages, and the same 24 input registers with one raw libmodbus call
// (modbus_read_input_registers), then prints the ratio (target <= 1.1x).
//
//   cmake --build build/release --target bench_drivers && build/release/scripts/bench-src/bench_drivers
#include <benchmark/benchmark.h>
#include <modbus/modbus.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>

#include "drivers/factory.hpp"
#include "drivers/kinds.hpp"
#include "rig/core/log.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/virtual_bench.hpp"

namespace {

using namespace rig;

struct Bench {
    std::unique_ptr<sim::VirtualBench> vb;
    Fixture fx;
    std::string error;

    Bench() {
        log::setup(log::Options{.level = "warn", .file = {}, .to_stderr = true});
        sim::VirtualBenchOptions o;
        o.fixture_path = std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml";
        o.resolved_path =
            (std::filesystem::temp_directory_path() / ("bench-drivers-" + std::to_string(::getpid()) + ".toml")).string();
        o.settings = {{"emu.readback_noise_mV", "0"}};
        auto r = sim::VirtualBench::start(o);
        if (!r) {
            error = r.status().describe();
            return;
        }
        vb = std::move(*r);
        fx = load_fixture(vb->resolved_fixture_path());
    }
    ~Bench() {
        if (vb) std::filesystem::remove(vb->resolved_fixture_path());
    }
};

Bench& bench() {
    static Bench b;
    return b;
}

void BM_driver_read_24_voltages(benchmark::State& state) {
    auto& b = bench();
    if (!b.vb) return state.SkipWithError(b.error.c_str());
    auto inst = drivers::open_instrument(*b.fx.instrument("emu"));
    if (!inst) return state.SkipWithError(inst.status().describe().c_str());
    auto emu = std::dynamic_pointer_cast<drivers::CellEmulator>(*inst);
    if (auto s = emu->connect("2026-11-25"); !s) return state.SkipWithError(s.describe().c_str());
    std::vector<int> all(24);
    std::iota(all.begin(), all.end(), 1);
    for (auto _ : state) {
        auto v = emu->read_voltages(all);
        if (!v) return state.SkipWithError(v.status().describe().c_str());
        benchmark::DoNotOptimize(v->data());
    }
}
BENCHMARK(BM_driver_read_24_voltages)->UseRealTime()->MinTime(0.5)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_raw_libmodbus_read_24_registers(benchmark::State& state) {
    auto& b = bench();
    if (!b.vb) return state.SkipWithError(b.error.c_str());
    auto& c = b.fx.instrument("emu")->connection;
    modbus_t* ctx = modbus_new_tcp(c.host.c_str(), c.port);
    modbus_set_slave(ctx, 1);
    modbus_set_response_timeout(ctx, 0, 500000);
    if (modbus_connect(ctx) != 0) {
        modbus_free(ctx);
        return state.SkipWithError("modbus_connect failed");
    }
    std::uint16_t regs[24];
    for (auto _ : state) {
        if (modbus_read_input_registers(ctx, 100, 24, regs) != 24) {
            state.SkipWithError(modbus_strerror(errno));
            break;
        }
        benchmark::DoNotOptimize(regs);
    }
    modbus_close(ctx);
    modbus_free(ctx);
}
BENCHMARK(BM_raw_libmodbus_read_24_registers)->UseRealTime()->MinTime(0.5)->Repetitions(5)->ReportAggregatesOnly(true);

// Keeps each run's real time per iteration so main() can print the ratio.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (auto& r : runs)
            if (!r.error_occurred) ns[r.benchmark_name()] = r.GetAdjustedRealTime();
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, double> ns;
};

// The two reads alternate call by call, so a load change on the shared machine hits both
// alike; per-call medians then compare like with like.
void paired_ratio() {
    auto& b = bench();
    if (!b.vb) return;
    auto inst = drivers::open_instrument(*b.fx.instrument("emu"));
    if (!inst) return;
    auto emu = std::dynamic_pointer_cast<drivers::CellEmulator>(*inst);
    if (!emu->connect("2026-11-25")) return;
    auto& c = b.fx.instrument("emu")->connection;
    modbus_t* ctx = modbus_new_tcp(c.host.c_str(), c.port);
    modbus_set_slave(ctx, 1);
    if (modbus_connect(ctx) != 0) {
        modbus_free(ctx);
        return;
    }
    std::vector<int> all(24);
    std::iota(all.begin(), all.end(), 1);
    std::uint16_t regs[24];
    constexpr int n = 20000;
    std::vector<double> d(n), r(n);
    for (int i = 0; i < n; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto v = emu->read_voltages(all);
        auto t1 = std::chrono::steady_clock::now();
        int got = modbus_read_input_registers(ctx, 100, 24, regs);
        auto t2 = std::chrono::steady_clock::now();
        if (!v || got != 24) break;
        d[static_cast<size_t>(i)] = std::chrono::duration<double, std::nano>(t1 - t0).count();
        r[static_cast<size_t>(i)] = std::chrono::duration<double, std::nano>(t2 - t1).count();
    }
    modbus_close(ctx);
    modbus_free(ctx);
    auto median = [](std::vector<double> v) {
        std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    double md = median(d), mr = median(r);
    std::printf("paired (%d alternating calls): driver %.0f ns, raw %.0f ns per 24-channel read: %.3fx\n", n, md, mr,
                md / mr);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    // Medians of the repetitions: the machine is shared, a mean would carry its noise.
    double driver = 0, raw = 0;
    for (auto& [name, t] : reporter.ns) {
        bool median = name.ends_with("_median");
        if (name.find("BM_driver_read_24_voltages") == 0 && (median || driver == 0)) driver = t;
        if (name.find("BM_raw_libmodbus_read_24_registers") == 0 && (median || raw == 0)) raw = t;
    }
    if (driver > 0 && raw > 0)
        std::printf("driver stack / raw libmodbus = %.3fx (median real time per 24-channel read; target <= 1.1x)\n",
                    driver / raw);
    paired_ratio();
    bench().vb.reset();
    benchmark::Shutdown();
    return 0;
}
