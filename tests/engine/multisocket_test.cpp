// Several sockets in one process. Two sockets test EOL at the same time, one thread each,
// through one rig fixture and one InstrumentPool: each socket on its own virtual bench (its
// own world: emulator, B+ supply, meter, relay board, DUT twin) and its own virtual clock,
// the lid interlock on socket A's relay board shared by both. Own worlds because the
// virtual bench has one B+ path per world (sim/world.hpp): two DUTs on one virtual bench
// share the supply and the meter, so a plan that judges the DUT by its B+ current cannot
// run on both at once (the cascade fixture's sockets run one after the other instead:
// cli_test.cpp). Time: a clock per world, so each socket's physics moves only with its own
// sleeps and the same seeds give the same readings (see rig/engine/session.hpp).
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rig/engine/session.hpp"
#include "sim/virtual_bench.hpp"

namespace fs = std::filesystem;
using namespace rig;
using namespace rig::engine;

namespace {

const std::string kFastFixture = std::string(RIG_TEST_DATA) + "/fixtures/plan-virtual-fast.toml";

std::string toml_instruments(const Fixture& fx, const std::string& suffix) {
    std::string out;
    for (auto& i : fx.instruments) {
        out += fmt::format("[instruments.{}{}]\nkind = \"{}\"\nmodel = \"{}\"\nconnection = \"{}\"\n", i.id, suffix,
                           to_string(i.kind), i.model, i.connection_text);
        out += fmt::format("timeout = \"{} ms\"\nretries = {}\n",
                           std::chrono::duration_cast<std::chrono::milliseconds>(i.timeout).count(), i.retries);
        if (i.calibration_due) out += "calibration_due = " + *i.calibration_due + "\n";
        if (!i.options.empty()) {
            out += fmt::format("[instruments.{}{}.options]\n", i.id, suffix);
            for (auto& [k, v] : i.options) out += k + " = \"" + v + "\"\n";
        }
    }
    return out;
}

std::string toml_socket(const std::string& name, const std::string& suffix, int address) {
    return fmt::format(
        "[[sockets]]\nname = \"{0}\"\ncells = \"emu{1}\"\nsupply = \"psu{1}\"\nmeter = \"dmm{1}\"\nrelays = \"rly{1}\"\n"
        "dut = \"jk{1}\"\ncell_count = 24\nfirst_channel = 1\ndut_address = {2}\n"
        "[sockets.relay_map]\nbplus = 0\ncomms = 1\nlamp_pass = 2\nlamp_fail = 3\n"
        "[sockets.interlock]\ninstrument = \"rly_a\"\ninput = \"0\"\nclosed_level = true\n",
        name, suffix, address);
}

// Two virtual benches (virtual time) and the rig's two-socket fixture over both.
struct TwoSockets {
    fs::path dir = fs::temp_directory_path() / ("rig-multisocket-" + std::to_string(::getpid()));
    std::unique_ptr<sim::VirtualBench> vb_a, vb_b;
    Fixture world_a, world_b;  // each bench's resolved fixture: its control port, its clock
    Fixture both;

    TwoSockets(std::uint64_t seed_a, std::uint64_t seed_b, const std::vector<std::pair<std::string, std::string>>& b_settings) {
        fs::create_directories(dir);
        vb_a = start("a", seed_a, {});
        vb_b = start("b", seed_b, b_settings);
        world_a = load_fixture(vb_a->resolved_fixture_path());
        world_b = load_fixture(vb_b->resolved_fixture_path());
        std::string text = "[fixture]\nname = \"two-worlds\"\nstation = \"VB-2S\"\nmodel_dirs = [\"" +
                           world_a.model_dirs.at(0) + "\"]\n" + toml_instruments(world_a, "_a") +
                           toml_instruments(world_b, "_b") +
                           "[safe_limits.cells]\nvoltage = [\"0 V\", \"5 V\"]\ncurrent = [\"-3 A\", \"3 A\"]\n"
                           "[safe_limits.supply]\nvoltage = [\"0 V\", \"100 V\"]\ncurrent = [\"0 A\", \"0.5 A\"]\n" +
                           toml_socket("A", "_a", 1) + toml_socket("B", "_b", 1);
        auto path = dir / "two-sockets.toml";
        std::ofstream(path) << text;
        both = load_fixture(path.string());
    }
    ~TwoSockets() {
        vb_a.reset();
        vb_b.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::unique_ptr<sim::VirtualBench> start(const std::string& name, std::uint64_t seed,
                                             const std::vector<std::pair<std::string, std::string>>& settings) {
        sim::VirtualBenchOptions o;
        o.fixture_path = kFastFixture;
        o.resolved_path = (dir / ("world-" + name + ".toml")).string();
        o.virtual_time = true;
        o.seed = seed;
        o.settings = settings;
        auto vb = sim::VirtualBench::start(o);
        if (!vb) throw std::runtime_error(vb.status().describe());
        return std::move(*vb);
    }
};

nlohmann::json read_record(const fs::path& dir) {
    std::ifstream in(dir / "record.json");
    return nlohmann::json::parse(in);
}

double record_value(const nlohmann::json& record, const std::string& step, const std::string& name) {
    for (auto& m : record["measurements"])
        if (m["step"] == step && m["name"] == name) return m["value"].get<double>();
    return -1.0;
}

std::set<std::string> record_instruments(const nlohmann::json& record) {
    std::set<std::string> ids;
    for (auto& i : record["instruments"]) ids.insert(i["id"].get<std::string>());
    return ids;
}

}  // namespace

TEST(MultiSocket, two_sockets_pass_eol_at_the_same_time_each_record_holding_only_its_own_socket) {
    // Socket B's DUT shuts down at 2.30 V (in spec), A's at the default 2.20 V: the records
    // must each carry their own.
    TwoSockets t(31, 32, {{"shutdown_V", "2.3"}});
    auto lanes = socket_lanes({&t.both.sockets[0], &t.both.sockets[1]});
    ASSERT_EQ(lanes.size(), 2u) << "own B+ paths, own emulators, a shared lid: side by side";

    auto clock_a = make_socket_clock(t.world_a, true);
    auto clock_b = make_socket_clock(t.world_b, true);
    ASSERT_TRUE(clock_a.is_ok() && clock_b.is_ok());
    InstrumentPool pool(t.both);
    auto bench_a = Bench::open(t.both, t.both.sockets[0], pool);
    auto bench_b = Bench::open(t.both, t.both.sockets[1], pool);
    ASSERT_TRUE(bench_a.is_ok()) << bench_a.status().describe();
    ASSERT_TRUE(bench_b.is_ok()) << bench_b.status().describe();

    std::mutex m;
    std::map<std::string, std::set<std::thread::id>> threads;
    auto unit = [&](Bench& bench, Clock& clock, const std::string& socket, std::uint64_t seed) {
        SocketUnit u{&bench, &clock, {}};
        u.options.serial = "MS-" + socket;
        u.options.seed = seed;
        u.options.out_dir = t.dir / "runs";
        u.options.run.on_step = [&m, &threads, socket](const StepOutcome&, size_t, size_t) {
            std::lock_guard lock(m);
            threads[socket].insert(std::this_thread::get_id());
        };
        return u;
    };
    std::vector<SocketUnit> units{unit(**bench_a, *clock_a->clock, "A", 31), unit(**bench_b, *clock_b->clock, "B", 32)};
    Plan plan = load_plan(std::string(RIG_SOURCE_DIR) + "/testplans/eol.toml");

    auto results = run_sockets(t.both, plan, units, lanes, {});

    ASSERT_EQ(results.size(), 2u);
    for (auto& r : results) {
        EXPECT_EQ(r.outcome.verdict, Verdict::pass) << r.run_id << " " << r.outcome.reason;
        EXPECT_EQ(r.outcome.state, reports::RunState::completed);
    }
    // One thread per lane, neither of them this one.
    ASSERT_EQ(threads["A"].size(), 1u);
    ASSERT_EQ(threads["B"].size(), 1u);
    EXPECT_NE(*threads["A"].begin(), *threads["B"].begin());
    EXPECT_EQ(threads["A"].count(std::this_thread::get_id()), 0u);

    auto rec_a = read_record(results[0].record_dir);
    auto rec_b = read_record(results[1].record_dir);
    EXPECT_EQ(rec_a["socket"], "A");
    EXPECT_EQ(rec_b["socket"], "B");
    EXPECT_EQ(rec_a["serial"], "MS-A");
    EXPECT_EQ(rec_b["serial"], "MS-B");
    EXPECT_EQ(rec_a["measurements"].size(), results[0].outcome.measurements.size());
    EXPECT_EQ(rec_b["measurements"].size(), results[1].outcome.measurements.size());
    EXPECT_NEAR(record_value(rec_a, "p5_shutdown", "shutdown_V"), 2.195, 0.006);
    EXPECT_NEAR(record_value(rec_b, "p5_shutdown", "shutdown_V"), 2.295, 0.006);
    // Each record names its own socket's instruments; B's also the lid it shares with A.
    auto ids_a = record_instruments(rec_a), ids_b = record_instruments(rec_b);
    EXPECT_EQ(ids_a, (std::set<std::string>{"emu_a", "psu_a", "dmm_a", "rly_a", "jk_a"}));
    EXPECT_EQ(ids_b, (std::set<std::string>{"emu_b", "psu_b", "dmm_b", "rly_b", "rly_a", "jk_b"}));
}

TEST(MultiSocket, a_lid_shared_by_two_sockets_refuses_power_to_both_while_open) {
    TwoSockets t(33, 34, {});
    InstrumentPool pool(t.both);
    auto bench_a = Bench::open(t.both, t.both.sockets[0], pool);
    auto bench_b = Bench::open(t.both, t.both.sockets[1], pool);
    ASSERT_TRUE(bench_a.is_ok() && bench_b.is_ok());
    auto clock_b = make_socket_clock(t.world_b, true);
    ASSERT_TRUE(clock_b.is_ok());
    ASSERT_TRUE((*bench_a)->connect_all("2026-11-25").is_ok());
    ASSERT_TRUE((*bench_b)->connect_all("2026-11-25").is_ok());

    ASSERT_TRUE(t.vb_a->set("rly.input.0", "false").is_ok());  // the lid on A's relay board opens
    auto refused = power_up_socket(t.both, **bench_b, *clock_b->clock, {}, {});
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), Code::interlock_open) << refused.status().describe();
    EXPECT_EQ((*bench_a)->set_relay("bplus", true).code(), Code::interlock_open);

    ASSERT_TRUE(t.vb_a->set("rly.input.0", "true").is_ok());  // closed again: B powers up
    auto up = power_up_socket(t.both, **bench_b, *clock_b->clock, {}, {});
    ASSERT_TRUE(up.is_ok()) << up.status().describe();
    EXPECT_TRUE(*up) << "socket B's DUT answers once its socket is powered";
    EXPECT_TRUE((*bench_b)->safe().is_ok());
}
