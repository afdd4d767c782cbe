// bench_drivers: what the driver stack costs on top of the wire. Reads the 24 cell voltages
// of the virtual bench's emulator twin (Modbus TCP on loopback, in this process) through
// CellEmulator::read_voltages, and the same 24 input registers with one raw libmodbus call
// (modbus_read_input_registers), then prints the ratio (target <= 1.1x).
//
//   cmake --build build/release --target bench_drivers && build/release/scripts/bench-src/bench_drivers
#include <benchmark/benchmark.h>
#include <modbus/modbus.h>

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
BENCHMARK(BM_driver_read_24_voltages)->UseRealTime()->MinTime(1.0);

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
BENCHMARK(BM_raw_libmodbus_read_24_registers)->UseRealTime()->MinTime(1.0);

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

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    double driver = 0, raw = 0;
    for (auto& [name, t] : reporter.ns) {
        if (name.find("BM_driver_read_24_voltages") == 0) driver = t;
        if (name.find("BM_raw_libmodbus_read_24_registers") == 0) raw = t;
    }
    if (driver > 0 && raw > 0)
        std::printf("driver stack / raw libmodbus = %.3fx (target <= 1.1x)\n", driver / raw);
    bench().vb.reset();
    benchmark::Shutdown();
    return 0;
}
