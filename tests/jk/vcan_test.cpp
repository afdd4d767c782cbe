// The JK CAN link against the JK twin on a real SocketCAN interface (vcan0): twin and link
// in one process, each with its own raw CAN socket, so frames cross the kernel's CAN
// stack. Exits 77 (skipped) when the interface is absent, so CTest can run it directly on
// hosts without vcan and inside scripts/vcan-vm/run where vcan0 exists.
//
//   jk_vcan_test [--iface vcan0] [gtest flags]
#include <gtest/gtest.h>

#include <net/if.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "drivers/jk/link.hpp"
#include "drivers/model.hpp"
#include "drivers/transport/can_bus.hpp"
#include "sim/dut/jk_twin.hpp"
#include "sim/reactor.hpp"
#include "socket_world.hpp"

using namespace rig;
using namespace rig::sim;

namespace {

std::string g_iface = "vcan0";

std::string model_path() {
    return std::string(RIG_SOURCE_DIR) + "/drivers/models/jk-b2a24s-can.toml";
}

class VcanBench : public ::testing::Test {
protected:
    void SetUp() override {
        rig::testing::power_socket(world_, 3.250, 0.005);
        SocketSpec socket = rig::testing::socket24(3);
        model_ = drivers::load_model(model_path());
        spec_.id = "jk";
        spec_.kind = InstrumentKind::dut_link;
        spec_.model = model_.name;
        spec_.connection_text = "socketcan:" + g_iface;
        spec_.connection = *parse_connection(spec_.connection_text);
        auto twin = dut::make_jk_twin(spec_, model_, socket, 0);
        ASSERT_TRUE(twin) << twin.status().describe();
        twin_ = std::move(*twin);
        ASSERT_TRUE(twin_->set("cell_noise_mV", "0"));
        auto st = twin_->start(*reactor_, world_);
        ASSERT_TRUE(st) << st.describe();
        thread_ = std::jthread([this](std::stop_token stop) { reactor_->run(stop); });
    }
    void TearDown() override {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
        if (twin_) twin_->stop();
    }
    std::unique_ptr<drivers::DutLink> link() {
        auto spec = spec_;
        spec.options = {{"address", "3"}, {"reply_timeout_ms", "500"}};
        auto l = drivers::make_jk_link(spec, model_);
        EXPECT_TRUE(l) << l.status().describe();
        if (!l) return nullptr;
        auto st = (*l)->connect("2026-11-25");
        EXPECT_TRUE(st) << st.describe();
        return std::move(*l);
    }

    std::unique_ptr<Reactor> reactor_ = make_reactor(false, TimePoint{});
    World world_;
    drivers::ModelFile model_;
    InstrumentSpec spec_;
    std::unique_ptr<dut::JkTwin> twin_;
    std::jthread thread_;
};

}  // namespace

TEST_F(VcanBench, can_link_reads_all_24_cells_over_socketcan) {
    auto l = link();
    ASSERT_TRUE(l);
    auto s = l->read_all();
    ASSERT_TRUE(s) << s.status().describe();
    ASSERT_EQ(s->cells.size(), 24u);
    for (int k = 0; k < 24; ++k)
        EXPECT_NEAR(s->cells[static_cast<std::size_t>(k)].value, 3.250 + 0.005 * k, 1e-9) << "cell " << k + 1;
    EXPECT_EQ(s->detected_cells, 24);
    EXPECT_NEAR(s->temperature->value, 25.0, 1e-9);
}

TEST_F(VcanBench, can_link_writes_with_echo_over_socketcan) {
    auto l = link();
    ASSERT_TRUE(l);
    EXPECT_EQ(*l->write_setting(drivers::DutSetting::trigger_delta, 40), 40);
    EXPECT_EQ(*l->write_setting(drivers::DutSetting::trigger_delta, 1001), 40);
    EXPECT_EQ(*l->write_setting(drivers::DutSetting::cell_count, 20), 20);
    auto s = l->read_all();
    ASSERT_TRUE(s) << s.status().describe();
    EXPECT_NEAR(s->trigger_delta.value, 0.040, 1e-12);
    EXPECT_EQ(s->configured_cells, 20);
}

TEST_F(VcanBench, comms_silent_gives_timeout_naming_the_interface) {
    ASSERT_TRUE(twin_);
    thread_.request_stop();
    thread_.join();
    ASSERT_TRUE(twin_->set("comms_silent", "true"));
    thread_ = std::jthread([this](std::stop_token stop) { reactor_->run(stop); });
    auto spec = spec_;
    spec.options = {{"address", "3"}, {"reply_timeout_ms", "200"}};
    spec.retries = 0;
    auto l = drivers::make_jk_link(spec, model_);
    ASSERT_TRUE(l);
    ASSERT_TRUE((*l)->connect("2026-11-25"));
    auto s = (*l)->read_all();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), Code::timeout);
    EXPECT_NE(s.status().message().find("socketcan:" + g_iface), std::string::npos) << s.status().message();
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--iface") == 0) g_iface = argv[i + 1];
    if (::if_nametoindex(g_iface.c_str()) == 0) {
        std::printf("SKIPPED: no CAN interface %s on this host (run through scripts/vcan-vm/run)\n", g_iface.c_str());
        return 77;
    }
    return RUN_ALL_TESTS();
}
