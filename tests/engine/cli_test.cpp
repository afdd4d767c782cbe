// The `rig` program as an operator runs it, against virtual benches: `rig probe --power`
// (the socket energised through the engine's power-up, the DUT's read-all printed with
// units, the bench left safe, also when interrupted) and `rig run` on several sockets of a
// fixture (--all-sockets, --socket repeated). The virtual bench runs in this process, so its
// twins can be inspected after the rig has gone.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rig/fixture/fixture.hpp"
#include "sim/virtual_bench.hpp"
#include "rig_program.hpp"
#include "twin_inspect.hpp"

namespace fs = std::filesystem;
using namespace rig;
using namespace rig::engine::testing;

namespace {

// A real-time virtual bench of fixtures/virtual.toml, resolved into a private directory.
struct RealTimeBench {
    fs::path dir = fs::temp_directory_path() / ("rig-cli-test-" + std::to_string(::getpid()));
    std::unique_ptr<sim::VirtualBench> vb;
    Fixture fx;
    std::string resolved;

    explicit RealTimeBench(const std::vector<std::pair<std::string, std::string>>& settings = {}) {
        fs::create_directories(dir);
        sim::VirtualBenchOptions o;
        o.fixture_path = std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml";
        o.resolved_path = resolved = (dir / "resolved.toml").string();
        o.settings = settings;
        auto started = sim::VirtualBench::start(o);
        if (!started) throw std::runtime_error(started.status().describe());
        vb = std::move(*started);
        fx = load_fixture(resolved);
    }
    ~RealTimeBench() {
        vb.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void expect_safe() const {
        EXPECT_EQ(supply_output_on(fx), std::optional<bool>(false)) << "B+ supply left on";
        EXPECT_EQ(emulator_outputs_on(fx), std::optional<int>(0)) << "emulator outputs left on";
    }
};

void expect_contains(const std::string& out, std::initializer_list<const char*> parts) {
    for (auto* part : parts) EXPECT_NE(out.find(part), std::string::npos) << "missing \"" << part << "\" in:\n" << out;
}

}  // namespace

// ---- rig probe --power ---------------------------------------------------------------------

TEST(ProbeCommand, with_power_prints_the_dut_read_all_with_units_exits_0_and_leaves_the_bench_safe) {
    RealTimeBench b;
    auto r = run_rig("probe --fixture " + b.resolved + " --power");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    expect_contains(r.out, {"socket A powered; jk read-all:", "total voltage         79.", " V\n",
                            "detected cells        24", "trigger delta         10 mV",
                            "max balance current   2.000 A", "temperature           25.", "B1 3.3", "B24 3.3",
                            "socket A safe (B+ off, cells off, relays at rest)", "probe: all 5 instruments answered"});
    b.expect_safe();
}

TEST(ProbeCommand, without_power_names_the_dut_that_did_not_answer_and_exits_non_zero) {
    RealTimeBench b;
    auto r = run_rig("probe --fixture " + b.resolved);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    auto tail = r.out.substr(std::min(r.out.size(), r.out.find("did not answer:")));
    EXPECT_NE(tail.find("  jk (timeout: jk serial:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--power energises the sockets first"), std::string::npos) << r.out;
    b.expect_safe();
}

TEST(ProbeCommand, a_bplus_override_outside_the_safe_limits_is_bad_input_before_anything_is_touched) {
    auto r = run_rig(std::string("probe --fixture ") + RIG_SOURCE_DIR + "/fixtures/virtual.toml --power --bplus '120 V'");
    EXPECT_EQ(r.exit_code, 3) << r.out;
    expect_contains(r.out, {"supply_voltage", "120", "100"});
    EXPECT_EQ(r.out.find("identity"), std::string::npos) << "nothing was connected:\n" << r.out;
}

TEST(ProbeCommand, sigint_while_powering_up_leaves_the_bench_safe_and_exits_2) {
    // A DUT that draws current but never answers keeps the power-up waiting for seconds.
    RealTimeBench b(std::vector<std::pair<std::string, std::string>>{{"comms_silent", "true"}});
    auto rig = spawn_rig({"probe", "--fixture", b.resolved, "--power"}, 1);
    ASSERT_GT(rig.pid, 0);
    // Wait until the socket is energised (B+ on, seen on the supply twin), then interrupt.
    ASSERT_TRUE(read_until(rig, "powering up")) << rig.seen;
    bool energised = false;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         !energised && std::chrono::steady_clock::now() < until;) {
        energised = supply_output_on(b.fx) == std::optional<bool>(true);
        if (!energised) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(energised) << "the supply never came on";
    ::kill(rig.pid, SIGINT);
    EXPECT_EQ(finish(rig), 2) << rig.seen;
    expect_contains(rig.seen, {"socket A NOT POWERED", "cancelled", "socket A safe", "probe: interrupted"});
    b.expect_safe();
}

// ---- rig run on several sockets --------------------------------------------------------------

namespace {

// The cascade fixture with a short DUT reply timeout (in virtual time a silent DUT then costs
// 0.5 s of wall time per read, not 3 s), written beside the records.
std::string fast_cascade(const fs::path& dir) {
    std::ifstream in(std::string(RIG_SOURCE_DIR) + "/fixtures/virtual-cascade.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    for (size_t at; (at = s.find("timeout = \"1 s\"")) != std::string::npos;)
        s.replace(at, 15, "timeout = \"250 ms\"\nretries = 1");
    auto path = dir / "cascade-fast.toml";
    std::ofstream(path) << s;
    return path.string();
}

}  // namespace

TEST(RunCommand, all_sockets_tests_every_socket_of_the_cascade_in_turn_each_with_its_own_record) {
    auto dir = fs::temp_directory_path() / ("rig-cli-sockets-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    auto fixture = fast_cascade(dir);
    auto r = run_rig("run --fixture " + fixture + " --plan " + RIG_SOURCE_DIR + "/testplans/eol.toml --serial C7" +
                     " --all-sockets --sim --clock virtual --seed 7 --set jk_high.shutdown_V=2.3 --out " +
                     (dir / "runs").string() + " --db " + (dir / "r.db").string());
    EXPECT_EQ(r.exit_code, 0) << r.out;
    expect_contains(r.out, {"[low] [  1/25] power_up", "[high] [  1/25] power_up", "\nsocket low\n",
                            "\nsocket high\n", "-C7-low-1 PASS", "-C7-high-1 PASS"});
    std::map<std::string, nlohmann::json> records;
    for (auto& d : fs::directory_iterator(dir / "runs")) {
        std::ifstream in(d.path() / "record.json");
        auto j = nlohmann::json::parse(in);
        records[j["socket"].get<std::string>()] = j;
    }
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records["low"]["serial"], "C7-low");
    EXPECT_EQ(records["high"]["serial"], "C7-high");
    // Socket high's DUT shuts down at 2.30 V, low's at 2.20 V: each record has its own.
    auto shutdown = [](const nlohmann::json& rec) {
        for (auto& m : rec["measurements"])
            if (m["step"] == "p5_shutdown" && m["name"] == "shutdown_V") return m["value"].get<double>();
        return -1.0;
    };
    EXPECT_NEAR(shutdown(records["low"]), 2.195, 0.006);
    EXPECT_NEAR(shutdown(records["high"]), 2.295, 0.006);
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST(RunCommand, an_unknown_socket_or_a_serial_count_that_fits_no_socket_count_is_bad_input) {
    std::string base = std::string("run --fixture ") + RIG_SOURCE_DIR + "/fixtures/virtual-cascade.toml --plan " +
                       RIG_SOURCE_DIR + "/testplans/eol.toml ";
    auto unknown = run_rig(base + "--serial X --socket low --socket middle");
    EXPECT_EQ(unknown.exit_code, 3) << unknown.out;
    EXPECT_NE(unknown.out.find("no socket \"middle\""), std::string::npos) << unknown.out;
    auto serials = run_rig(base + "--serial X --serial Y --serial Z --socket low --socket high");
    EXPECT_EQ(serials.exit_code, 3) << serials.out;
    EXPECT_NE(serials.out.find("2 sockets need one --serial each"), std::string::npos) << serials.out;
    auto both = run_rig(base + "--serial X --all-sockets --socket low");
    EXPECT_EQ(both.exit_code, 3) << both.out;
}
