// The example real bench (fixtures/example-real-bench.toml) is built only from model files of
// real instruments: it must load, and the factory must build a driver for every entry
// (created, not connected: there is no hardware here).
#include <gtest/gtest.h>

#include "drivers/factory.hpp"
#include "drivers/gpio.hpp"
#include "rig/fixture/fixture.hpp"

using namespace rig;
using namespace rig::drivers;

TEST(ExampleRealBench, loads_and_every_instrument_has_a_driver) {
    Fixture fx;
    ASSERT_NO_THROW(fx = load_fixture(std::string(RIG_SOURCE_DIR) + "/fixtures/example-real-bench.toml"));
    ASSERT_EQ(fx.sockets.size(), 1u);
    auto& sock = fx.sockets.front();
    ASSERT_TRUE(sock.interlock);
    EXPECT_EQ(fx.instrument(sock.interlock->instrument)->kind, InstrumentKind::gpio);
    for (auto& spec : fx.instruments) {
        SCOPED_TRACE(spec.id + " " + spec.model);
        EXPECT_EQ(spec.model.rfind("rigsim-", 0), std::string::npos) << "a real bench uses real models";
        EXPECT_NE(spec.connection.device, "pty");
        if (spec.connection.is_tcp()) { EXPECT_NE(spec.connection.port, 0); }
        if (spec.kind == InstrumentKind::cell_emulator || spec.kind == InstrumentKind::supply ||
            spec.kind == InstrumentKind::meter) {
            EXPECT_TRUE(spec.calibration_due) << "measuring instruments carry a calibration date";
            EXPECT_TRUE(spec.serial) << "and the serial the bench was qualified with";
        }
        auto inst = open_instrument(spec);
        ASSERT_TRUE(inst) << inst.status().describe();
        EXPECT_FALSE((*inst)->connected());
    }
    auto* io = fx.instrument("io");
    ASSERT_TRUE(io);
    auto map = GpioLineMap::parse(io->options);
    ASSERT_TRUE(map);
    EXPECT_TRUE(map->resolve(sock.interlock->input).active_low);
    EXPECT_EQ(fx.instrument("psu")->options.at("channel"), "2");
}
