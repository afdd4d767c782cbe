// GPIO: the pure mapping layer (fixture names -> chip lines, active level, interlock rule),
// the gpio instrument over a fake chip (the interlock probe, safe outputs), and the real
// libgpiod chip where the machine has one (skipped otherwise, saying why).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "drivers/factory.hpp"
#include "drivers/gpio.hpp"

using namespace rig;
using namespace rig::drivers;

namespace {

// Physical levels by chip line, and what was written.
class FakeChip final : public GpioChip {
public:
    explicit FakeChip(std::map<std::string, bool>* levels) : levels_(levels) {}
    std::string describe() const override { return "fakechip [test] 8 lines"; }
    Result<bool> read(const std::string& line) override {
        auto it = levels_->find(line);
        if (it == levels_->end()) return Status(Code::invalid_argument, "no line \"" + line + "\"");
        return it->second;
    }
    Status write(const std::string& line, bool level) override {
        (*levels_)[line] = level;
        return Status::ok();
    }

private:
    std::map<std::string, bool>* levels_;
};

InstrumentSpec gpio_spec(std::map<std::string, std::string> options) {
    InstrumentSpec s;
    s.id = "io";
    s.kind = InstrumentKind::gpio;
    s.model = "linux-gpiod";
    s.connection_text = "gpio:gpiochip0";
    s.connection = *parse_connection(s.connection_text);
    s.options = std::move(options);
    return s;
}

}  // namespace

TEST(GpioLineMap, maps_fixture_names_to_chip_lines_with_active_level_and_direction) {
    auto m = GpioLineMap::parse({{"lid", "GPIO17:active_low"}, {"lamp", "22:output"}, {"consumer", "rig"}});
    ASSERT_TRUE(m) << m.status().describe();
    EXPECT_EQ(m->lines().size(), 2u) << "consumer is not a line";
    auto lid = m->resolve("lid");
    EXPECT_EQ(lid.chip_line, "GPIO17");
    EXPECT_TRUE(lid.active_low);
    EXPECT_FALSE(lid.output);
    auto lamp = m->resolve("lamp");
    EXPECT_EQ(lamp.chip_line, "22");
    EXPECT_TRUE(lamp.output);
    EXPECT_FALSE(lamp.active_low);
}

TEST(GpioLineMap, an_unmapped_name_is_the_chip_line_name_active_high) {
    auto m = GpioLineMap::parse({});
    ASSERT_TRUE(m);
    auto l = m->resolve("ESTOP");
    EXPECT_EQ(l.chip_line, "ESTOP");
    EXPECT_FALSE(l.active_low);
}

TEST(GpioLineMap, unknown_flags_and_empty_lines_are_errors_naming_the_option) {
    auto bad = GpioLineMap::parse({{"lid", "GPIO17:inverted"}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().message().find("lid"), std::string::npos);
    EXPECT_NE(bad.status().message().find("inverted"), std::string::npos);
    EXPECT_FALSE(GpioLineMap::parse({{"lid", ":active_low"}}));
}

TEST(GpioLineMap, active_low_inverts_both_ways) {
    GpioLine low{"lid", "GPIO17", true, false};
    GpioLine high{"lid", "GPIO17", false, false};
    EXPECT_TRUE(GpioLineMap::logical(low, false));
    EXPECT_FALSE(GpioLineMap::logical(low, true));
    EXPECT_TRUE(GpioLineMap::logical(high, true));
    EXPECT_FALSE(GpioLineMap::physical(low, true));
    EXPECT_TRUE(GpioLineMap::physical(high, true));
}

TEST(GpioLineMap, interlock_is_closed_only_at_its_closed_level) {
    EXPECT_TRUE(interlock_closed(true, true));
    EXPECT_FALSE(interlock_closed(false, true));
    EXPECT_TRUE(interlock_closed(false, false));
    EXPECT_FALSE(interlock_closed(true, false));
}

TEST(GpioBank, the_interlock_probe_reads_the_mapped_line_through_its_active_level) {
    std::map<std::string, bool> levels{{"GPIO17", false}, {"22", true}};
    auto spec = gpio_spec({{"lid", "GPIO17:active_low"}, {"lamp", "22:output"}});
    auto map = GpioLineMap::parse(spec.options);
    ASSERT_TRUE(map);
    auto bank = std::make_shared<GpioBank>(spec, *map, [&](const std::string&) -> Result<std::unique_ptr<GpioChip>> {
        return std::unique_ptr<GpioChip>(new FakeChip(&levels));
    });
    ASSERT_TRUE(bank->connect("2026-11-25"));
    EXPECT_EQ(bank->identity().raw, "fakechip [test] 8 lines");

    // Lid switch pulls the line low when closed: physical 0 = logical 1 = closed.
    auto probe = make_interlock_probe(bank, InterlockSpec{"io", "lid", true});
    auto closed = probe();
    ASSERT_TRUE(closed);
    EXPECT_TRUE(*closed);
    levels["GPIO17"] = true;  // lid opened
    closed = probe();
    ASSERT_TRUE(closed);
    EXPECT_FALSE(*closed);

    auto unknown = make_interlock_probe(bank, InterlockSpec{"io", "nothing", true})();
    EXPECT_FALSE(unknown) << "a line the chip does not have is an error, not 'closed'";

    // Outputs: written at their physical level; safe() drives them inactive.
    ASSERT_TRUE(bank->write("lamp", true));
    EXPECT_TRUE(levels["22"]);
    EXPECT_EQ(bank->write("lid", true).code(), Code::invalid_argument) << "inputs are not written";
    ASSERT_TRUE(bank->safe());
    EXPECT_FALSE(levels["22"]);

    auto all = bank->read_all();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].first, "lid");
}

TEST(GpioBank, the_factory_builds_it_from_a_gpio_fixture_entry) {
    auto spec = gpio_spec({{"lid", "GPIO17:active_low"}});
    spec.model_file = std::string(RIG_SOURCE_DIR) + "/drivers/models/linux-gpiod.toml";
    auto inst = open_instrument(spec);
    ASSERT_TRUE(inst) << inst.status().describe();
    EXPECT_NE(dynamic_cast<GpioBank*>(inst->get()), nullptr);
    spec.options["lid"] = "GPIO17:sideways";
    EXPECT_FALSE(open_instrument(spec)) << "a bad line option is caught when the instrument is built";
}

TEST(GpioHardware, a_real_gpiochip_opens_and_reports_its_lines) {
    std::string chip;
    if (std::filesystem::exists("/dev"))
        for (auto& e : std::filesystem::directory_iterator("/dev"))
            if (e.path().filename().string().starts_with("gpiochip")) {
                chip = e.path().string();
                break;
            }
    if (chip.empty()) GTEST_SKIP() << "no /dev/gpiochip* on this machine (no GPIO controller or gpio-sim)";
    auto c = GpioChip::open(chip, "jk-rig-test");
    ASSERT_TRUE(c) << c.status().describe();
    EXPECT_NE((*c)->describe().find("lines"), std::string::npos);
    auto missing = (*c)->read("no-such-line-name-xyz");
    EXPECT_FALSE(missing);
}
