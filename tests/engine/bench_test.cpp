// The bench of a socket beyond what the sequencer tests cover: a GPIO lid interlock (the
// fixture's gpio instrument, through drivers::make_interlock_probe, over an injected fake
// chip; the real libgpiod chip where the machine has one), the instrument pool's safe state
// for shared instruments, and which sockets of a fixture may test at the same time.
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "drivers/gpio.hpp"
#include "fakes.hpp"
#include "rig/engine/session.hpp"

using namespace rig;
using namespace rig::engine;
using namespace rig::engine::testing;

namespace {

// Physical line levels by chip line name; what the fixture's options map onto.
class FakeChip final : public drivers::GpioChip {
public:
    explicit FakeChip(std::map<std::string, bool>& levels) : levels_(levels) {}
    std::string describe() const override { return "fakechip [bench test]"; }
    Result<bool> read(const std::string& line) override {
        auto it = levels_.find(line);
        if (it == levels_.end()) return Status(Code::invalid_argument, "no line \"" + line + "\"");
        return it->second;
    }
    Status write(const std::string& line, bool level) override {
        levels_[line] = level;
        return Status::ok();
    }

private:
    std::map<std::string, bool>& levels_;
};

InstrumentSpec gpio_spec(const std::string& chip, std::map<std::string, std::string> options) {
    InstrumentSpec s;
    s.id = "io";
    s.kind = InstrumentKind::gpio;
    s.model = "linux-gpiod";
    s.connection_text = "gpio:" + chip;
    s.connection = *parse_connection(s.connection_text);
    s.options = std::move(options);
    return s;
}

// The fake socket with its lid on a GPIO line ("lid" = chip line GPIO17, active low: the
// switch pulls the line to ground when the lid is closed).
struct GpioBench {
    FakeWorld world;
    Fixture fixture = fake_fixture();
    std::map<std::string, bool> lines{{"GPIO17", false}};
    std::shared_ptr<drivers::GpioBank> io;
    std::unique_ptr<Bench> bench;

    GpioBench() {
        auto map = drivers::GpioLineMap::parse({{"lid", "GPIO17:active_low"}});
        io = std::make_shared<drivers::GpioBank>(
            gpio_spec("gpiochip0", {{"lid", "GPIO17:active_low"}}), *map,
            [this](const std::string&) -> Result<std::unique_ptr<drivers::GpioChip>> {
                return std::unique_ptr<drivers::GpioChip>(new FakeChip(lines));
            });
        fixture.sockets[0].interlock = InterlockSpec{"io", "lid", true};
        Bench::Parts parts;
        parts.cells = std::make_shared<FakeCells>(world);
        parts.supply = std::make_shared<FakeSupply>(world);
        parts.meter = std::make_shared<FakeMeter>(world);
        parts.relays = std::make_shared<FakeRelays>(world);
        parts.dut = std::make_shared<FakeDut>(world);
        parts.interlock = io;
        bench = std::make_unique<Bench>(fixture, fixture.sockets[0], std::move(parts));
    }
};

std::string example_fixture() { return std::string(RIG_SOURCE_DIR) + "/fixtures/example-real-bench.toml"; }

}  // namespace

// ---- GPIO interlock ----------------------------------------------------------------------

TEST(GpioInterlock, an_active_low_lid_line_at_ground_reads_closed_and_lets_the_bench_energise) {
    GpioBench g;
    ASSERT_TRUE(g.bench->connect_all("2026-11-25").is_ok());
    g.lines["GPIO17"] = false;  // pulled to ground: logical 1 = closed
    auto closed = g.bench->interlock_closed();
    ASSERT_TRUE(closed.is_ok()) << closed.status().describe();
    EXPECT_TRUE(*closed);
    EXPECT_TRUE(g.bench->set_relay("bplus", true).is_ok());
    EXPECT_TRUE(g.bench->set_pin_voltages({{1, Volts(3.3)}}).is_ok());
    EXPECT_TRUE(g.bench->set_cell_outputs(true).is_ok());
    EXPECT_TRUE(g.world.cell_on[0]);
}

TEST(GpioInterlock, an_open_lid_refuses_b_plus_cells_and_supply_with_interlock_open) {
    GpioBench g;
    ASSERT_TRUE(g.bench->connect_all("2026-11-25").is_ok());
    g.lines["GPIO17"] = true;  // pulled up: the switch is open
    auto closed = g.bench->interlock_closed();
    ASSERT_TRUE(closed.is_ok()) << closed.status().describe();
    EXPECT_FALSE(*closed);
    EXPECT_EQ(g.bench->set_relay("bplus", true).code(), Code::interlock_open);
    EXPECT_EQ(g.bench->set_cell_outputs(true).code(), Code::interlock_open);
    EXPECT_EQ(g.bench->supply()->set_output(true).code(), Code::interlock_open);
    EXPECT_FALSE(g.world.cell_on[0]);
    EXPECT_FALSE(g.world.supply_on);
    EXPECT_FALSE(g.world.relays[0]);
}

TEST(GpioInterlock, a_line_the_chip_does_not_have_is_an_error_naming_the_socket_not_a_closed_lid) {
    GpioBench g;
    ASSERT_TRUE(g.bench->connect_all("2026-11-25").is_ok());
    g.lines.clear();
    auto closed = g.bench->interlock_closed();
    ASSERT_FALSE(closed.is_ok());
    EXPECT_NE(closed.status().message().find("socket A interlock"), std::string::npos) << closed.status().describe();
    EXPECT_NE(closed.status().message().find("GPIO17"), std::string::npos) << closed.status().describe();
    EXPECT_FALSE(g.bench->set_relay("bplus", true).is_ok());
}

TEST(GpioInterlock, the_engine_opens_a_fixture_whose_interlock_is_a_gpio_line) {
    Fixture fx = load_fixture(example_fixture());
    ASSERT_TRUE(fx.sockets.at(0).interlock.has_value());
    ASSERT_EQ(fx.instrument(fx.sockets[0].interlock->instrument)->kind, InstrumentKind::gpio);
    InstrumentPool pool(fx);
    auto bench = Bench::open(fx, fx.sockets[0], pool);  // opened, not connected: no hardware touched
    EXPECT_TRUE(bench.is_ok()) << bench.status().describe();
}

TEST(GpioInterlock, an_interlock_on_an_instrument_without_inputs_is_refused_at_open) {
    Fixture fx = load_fixture(example_fixture());
    fx.sockets[0].interlock->instrument = fx.sockets[0].supply;
    InstrumentPool pool(fx);
    auto bench = Bench::open(fx, fx.sockets[0], pool);
    ASSERT_FALSE(bench.is_ok());
    EXPECT_NE(bench.status().message().find("no inputs"), std::string::npos) << bench.status().describe();
}

// libgpiod on a real chip: there is no GPIO simulator on the build machines (no gpio-sim
// or gpio-mockup module), so this runs only where a /dev/gpiochip* exists.
TEST(GpioInterlock, the_interlock_reads_a_real_gpiochip_line_through_libgpiod) {
    std::string chip;
    for (auto& e : std::filesystem::directory_iterator("/dev"))
        if (e.path().filename().string().starts_with("gpiochip")) {
            chip = e.path().filename().string();
            break;
        }
    if (chip.empty()) GTEST_SKIP() << "no /dev/gpiochip* on this machine: GPIO has no simulator here";
    FakeWorld world;
    Fixture fx = fake_fixture();
    fx.sockets[0].interlock = InterlockSpec{"io", "lid", true};
    auto map = drivers::GpioLineMap::parse({{"lid", "0"}});
    auto io = std::make_shared<drivers::GpioBank>(gpio_spec(chip, {{"lid", "0"}}), *map);
    Bench::Parts parts;
    parts.cells = std::make_shared<FakeCells>(world);
    parts.relays = std::make_shared<FakeRelays>(world);
    parts.dut = std::make_shared<FakeDut>(world);
    parts.interlock = io;
    Bench bench(fx, fx.sockets[0], std::move(parts));
    auto st = bench.connect_all("2026-11-25");
    ASSERT_TRUE(st.is_ok()) << st.describe();
    auto closed = bench.interlock_closed();
    EXPECT_TRUE(closed.is_ok()) << closed.status().describe();  // either level is a reading
}

// ---- the instrument pool ---------------------------------------------------------------------

TEST(InstrumentPool, safe_all_switches_off_a_supply_that_a_sockets_safe_state_leaves_on) {
    FakeWorld world;
    Fixture fx = fake_fixture();
    fx.sockets.push_back(fx.sockets[0]);  // a second socket on the same supply
    fx.sockets[1].name = "B";
    InstrumentPool pool(fx);
    auto psu = std::make_shared<FakeSupply>(world);
    ASSERT_TRUE(psu->connect("2026-11-25").is_ok());
    pool.adopt(psu);
    EXPECT_EQ(pool.users("psu"), 2);
    auto got = pool.get("psu");
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(got->get(), psu.get()) << "an adopted instrument is served, not opened again";
    ASSERT_TRUE(psu->set_output(true).is_ok());
    ASSERT_TRUE(pool.safe_all().is_ok());
    EXPECT_FALSE(world.supply_on);
}

// ---- which sockets may test at the same time -------------------------------------------------

TEST(SocketLanes, sockets_sharing_a_supply_run_one_after_the_other) {
    Fixture fx = load_fixture(std::string(RIG_SOURCE_DIR) + "/fixtures/virtual-cascade.toml");
    auto lanes = socket_lanes({&fx.sockets[0], &fx.sockets[1]});
    ASSERT_EQ(lanes.size(), 1u);
    EXPECT_EQ(lanes[0], (std::vector<size_t>{0, 1}));
}

namespace {

// A socket of the fake fixture (24 pins on channels 1-24, relays 0/1, lid on input 0 of
// "rly") with its own instruments for the roles named.
SocketSpec socket_with(const std::string& name, const std::string& supply, const std::string& meter,
                       const std::string& dut, int first_channel, int first_relay) {
    SocketSpec s = fake_fixture().sockets[0];
    s.name = name;
    s.supply = supply;
    s.meter = meter;
    s.dut = dut;
    for (auto& ch : s.wiring) ch += first_channel - 1;
    s.relay_map = {{"bplus", first_relay}, {"comms", first_relay + 1}};
    return s;
}

}  // namespace

TEST(SocketLanes, sockets_with_their_own_b_plus_on_one_emulator_and_one_lid_run_side_by_side) {
    SocketSpec a = socket_with("A", "psu_a", "dmm_a", "jk_a", 1, 0);
    SocketSpec b = socket_with("B", "psu_b", "dmm_b", "jk_b", 25, 4);
    EXPECT_EQ(socket_lanes({&a, &b}).size(), 2u);

    SocketSpec overlapping = socket_with("B", "psu_b", "dmm_b", "jk_b", 20, 4);  // channels 20-43
    EXPECT_EQ(socket_lanes({&a, &overlapping}).size(), 1u);
    SocketSpec same_relay = socket_with("B", "psu_b", "dmm_b", "jk_b", 25, 1);  // comms of A is B+ of B
    EXPECT_EQ(socket_lanes({&a, &same_relay}).size(), 1u);
    // C shares B's supply: B and C in one lane, one after the other; A beside them.
    SocketSpec c = socket_with("C", "psu_b", "dmm_c", "jk_c", 1, 0);
    c.cells = "emu2";
    c.relays = "rly2";
    auto three = socket_lanes({&a, &b, &c});
    ASSERT_EQ(three.size(), 2u);
    EXPECT_EQ(three[0], (std::vector<size_t>{0}));
    EXPECT_EQ(three[1], (std::vector<size_t>{1, 2}));
}
