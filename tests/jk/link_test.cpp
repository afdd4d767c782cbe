// The rig's JK DUT links (drivers/jk) against the JK twin (sim/dut) over real
// pseudo-terminals: RS485 V1.3 on a pty, CAN V5.0 through the twin's SLCAN adapter on a
// pty. The twin runs on its own reactor thread in real time, as under rig-sim.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "drivers/jk/link.hpp"
#include "drivers/model.hpp"
#include "sim/dut/jk_twin.hpp"
#include "sim/reactor.hpp"
#include "sim/world.hpp"
#include "socket_world.hpp"

using namespace rig;
using namespace rig::sim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToday = "2026-11-25";

using Settings = std::vector<std::pair<std::string, std::string>>;

// One DUT socket of a live virtual bench: World, twin, and the reactor thread serving it.
class LiveBench {
public:
    LiveBench(const std::string& model_name, const std::string& connection, const Settings& settings,
              bool bplus_on = true) {
        rig::testing::power_socket(world_, 3.300, 0.010, bplus_on);
        SocketSpec socket = rig::testing::socket24(1);
        model_ = drivers::load_model(std::string(RIG_SOURCE_DIR) + "/drivers/models/" + model_name + ".toml");
        InstrumentSpec spec;
        spec.id = "jk";
        spec.kind = InstrumentKind::dut_link;
        spec.model = model_name;
        spec.connection_text = connection;
        spec.connection = *parse_connection(connection);
        auto twin = dut::make_jk_twin(spec, model_, socket, 0);
        EXPECT_TRUE(twin) << twin.status().describe();
        twin_ = std::move(*twin);
        for (auto& [k, v] : settings) {
            auto st = twin_->set(k, v);
            EXPECT_TRUE(st) << st.describe();
        }
        auto st = twin_->start(*reactor_, world_);
        EXPECT_TRUE(st) << st.describe();
        thread_ = std::jthread([this](std::stop_token stop) { reactor_->run(stop); });
    }
    ~LiveBench() {
        thread_.request_stop();
        thread_.join();
        twin_->stop();
    }

    // A connected DUT link to the twin, as the bench would make it from the resolved fixture.
    std::unique_ptr<drivers::DutLink> link(std::map<std::string, std::string> options = {}, int retries = 2) {
        InstrumentSpec spec;
        spec.id = "jk";
        spec.kind = InstrumentKind::dut_link;
        spec.model = model_.name;
        spec.connection_text = twin_->resolved_connection();
        spec.connection = *parse_connection(spec.connection_text);
        spec.options = std::move(options);
        spec.retries = retries;
        auto l = drivers::make_jk_link(spec, model_);
        EXPECT_TRUE(l) << l.status().describe();
        if (!l) return nullptr;
        auto st = (*l)->connect(kToday);
        EXPECT_TRUE(st) << st.describe();
        return std::move(*l);
    }
    std::string resolved() const { return twin_->resolved_connection(); }

private:
    std::unique_ptr<Reactor> reactor_ = make_reactor(false, TimePoint{});
    World world_;
    drivers::ModelFile model_;
    std::unique_ptr<dut::JkTwin> twin_;
    std::jthread thread_;  // last: joined before the rest goes
};

const char* kRs485 = "jk-b2a24s-rs485";
const char* kCan = "jk-b2a24s-can";
const char* kRs485Pty = "serial:pty:9600:8N1";
const char* kSlcanPty = "slcan:pty:115200?bitrate=250000";

void expect_cells(const drivers::DutStatus& s) {
    ASSERT_EQ(s.cells.size(), 24u);
    for (int k = 0; k < 24; ++k)
        EXPECT_NEAR(s.cells[static_cast<std::size_t>(k)].value, 3.300 + 0.010 * k, 0.002) << "cell " << k + 1;
    EXPECT_EQ(s.detected_cells, 24);
    EXPECT_EQ(s.configured_cells, 24);
    EXPECT_EQ(s.highest_cell, 23);
    EXPECT_EQ(s.lowest_cell, 0);
}

void write_and_read_back(drivers::DutLink& link) {
    using drivers::DutSetting;
    EXPECT_EQ(*link.write_setting(DutSetting::trigger_delta, 25), 25);
    EXPECT_EQ(*link.write_setting(DutSetting::max_balance_current, 1000), 1000);
    EXPECT_EQ(*link.write_setting(DutSetting::balancing_switch, 0), 0);
    EXPECT_EQ(*link.write_setting(DutSetting::cell_count, 16), 16);
    auto s = link.read_all();
    ASSERT_TRUE(s) << s.status().describe();
    EXPECT_NEAR(s->trigger_delta.value, 0.025, 1e-12);
    EXPECT_NEAR(s->max_balance_current.value, 1.0, 1e-12);
    EXPECT_FALSE(s->balancing_switch);
    EXPECT_EQ(s->configured_cells, 16);
    // Out of range: the DUT keeps, and echoes, what it had.
    EXPECT_EQ(*link.write_setting(DutSetting::trigger_delta, 1), 25);
    EXPECT_EQ(*link.write_setting(DutSetting::cell_count, 25), 16);
    EXPECT_EQ(*link.write_setting(DutSetting::max_balance_current, 2500), 1000);
    EXPECT_EQ(*link.write_setting(DutSetting::balancing_switch, 2), 0);
}

}  // namespace

TEST(JkRs485Link, reads_all_24_cells_from_the_twin_over_a_pty) {
    LiveBench bench(kRs485, kRs485Pty, {});
    EXPECT_NE(bench.resolved().find("serial:/dev/pts/"), std::string::npos) << bench.resolved();
    auto link = bench.link();
    ASSERT_TRUE(link);
    EXPECT_EQ(link->identity().model, "jk-b2a24s-rs485");
    EXPECT_NE(link->identity().raw.find("24 cells detected"), std::string::npos) << link->identity().raw;
    auto s = link->read_all();
    ASSERT_TRUE(s) << s.status().describe();
    expect_cells(*s);
    EXPECT_NEAR(s->total.value, 3.300 * 24 + 0.010 * 276, 0.03);
    ASSERT_TRUE(s->temperature);
    EXPECT_NEAR(s->temperature->value, 25.0, 1e-9);
}

TEST(JkRs485Link, writes_every_setting_with_read_back_and_out_of_range_echoes_old) {
    LiveBench bench(kRs485, kRs485Pty, {});
    auto link = bench.link();
    ASSERT_TRUE(link);
    write_and_read_back(*link);
}

TEST(JkRs485Link, reports_balancing_current_seen_through_the_wire) {
    LiveBench bench(kRs485, kRs485Pty, {});  // cells 3.30-3.53 V: 230 mV delta
    auto link = bench.link();
    ASSERT_TRUE(link);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    bool balancing = false;
    while (!balancing && std::chrono::steady_clock::now() < deadline) {
        auto s = link->read_all();
        ASSERT_TRUE(s) << s.status().describe();
        balancing = s->balancing();
        if (balancing) {
            EXPECT_NEAR(s->balance_current.value, 2.0, 1e-9);
        }
    }
    EXPECT_TRUE(balancing);
}

TEST(JkRs485Link, comms_silent_gives_timeout_naming_instrument_device_and_command) {
    LiveBench bench(kRs485, kRs485Pty, {{"comms_silent", "true"}});
    auto link = bench.link({{"reply_timeout_ms", "200"}}, 1);
    ASSERT_TRUE(link);
    EXPECT_NE(link->identity().raw.find("no answer"), std::string::npos) << link->identity().raw;
    auto s = link->read_all();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), Code::timeout);
    const std::string m = s.status().message();
    EXPECT_NE(m.find("jk "), std::string::npos) << m;
    EXPECT_NE(m.find("/dev/pts/"), std::string::npos) << m;
    EXPECT_NE(m.find("FF (read all)"), std::string::npos) << m;
    EXPECT_NE(m.find("2 attempts"), std::string::npos) << m;
    auto w = link->write_setting(drivers::DutSetting::trigger_delta, 20);
    ASSERT_FALSE(w);
    EXPECT_EQ(w.status().code(), Code::timeout);
    EXPECT_NE(w.status().message().find("F2 (set trigger delta)"), std::string::npos) << w.status().message();
}

TEST(JkRs485Link, corrupted_checksum_gives_bad_reply) {
    LiveBench bench(kRs485, kRs485Pty, {{"corrupt_pct", "100"}});
    auto link = bench.link({{"reply_timeout_ms", "300"}}, 0);
    ASSERT_TRUE(link);
    auto s = link->read_all();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), Code::bad_reply);
    EXPECT_NE(s.status().message().find("checksum expected"), std::string::npos) << s.status().message();
    EXPECT_NE(s.status().message().find("EB 90 01 FF"), std::string::npos) << s.status().message();
}

TEST(JkRs485Link, a_balancer_at_another_address_does_not_answer) {
    LiveBench bench(kRs485, kRs485Pty, {});
    auto link = bench.link({{"reply_timeout_ms", "200"}, {"address", "2"}}, 0);
    ASSERT_TRUE(link);
    auto s = link->read_all();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), Code::timeout);
}

TEST(JkRs485Link, connects_to_an_unpowered_dut_and_says_it_did_not_answer) {
    LiveBench bench(kRs485, kRs485Pty, {}, false);
    auto link = bench.link({{"reply_timeout_ms", "200"}}, 0);
    ASSERT_TRUE(link);
    EXPECT_TRUE(link->connected());
    EXPECT_NE(link->identity().raw.find("no answer"), std::string::npos) << link->identity().raw;
    EXPECT_EQ(link->read_all().status().code(), Code::timeout);
}

TEST(JkCanLink, reads_all_24_cells_over_slcan_on_a_pty) {
    LiveBench bench(kCan, kSlcanPty, {});
    EXPECT_NE(bench.resolved().find("slcan:/dev/pts/"), std::string::npos) << bench.resolved();
    auto link = bench.link();
    ASSERT_TRUE(link);
    auto s = link->read_all();
    ASSERT_TRUE(s) << s.status().describe();
    expect_cells(*s);
    ASSERT_TRUE(s->temperature);
    EXPECT_NEAR(s->temperature->value, 25.0, 1e-9);
}

TEST(JkCanLink, writes_every_setting_with_echo_over_slcan) {
    LiveBench bench(kCan, kSlcanPty, {});
    auto link = bench.link();
    ASSERT_TRUE(link);
    write_and_read_back(*link);
}

TEST(JkCanLink, comms_silent_gives_timeout_naming_bus_and_command) {
    LiveBench bench(kCan, kSlcanPty, {{"comms_silent", "true"}});
    auto link = bench.link({{"reply_timeout_ms", "200"}}, 1);
    ASSERT_TRUE(link);
    auto s = link->read_all();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), Code::timeout);
    const std::string m = s.status().message();
    EXPECT_NE(m.find("jk "), std::string::npos) << m;
    EXPECT_NE(m.find("slcan:/dev/pts/"), std::string::npos) << m;
    EXPECT_NE(m.find("FF (read all)"), std::string::npos) << m;
    EXPECT_NE(m.find("no answer within 200 ms"), std::string::npos) << m;
}

TEST(JkCanLink, malformed_burst_gives_bad_reply) {
    LiveBench bench(kCan, kSlcanPty, {{"corrupt_pct", "100"}});
    auto link = bench.link({{"reply_timeout_ms", "300"}}, 0);
    ASSERT_TRUE(link);
    auto s = link->read_all();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.status().code(), Code::bad_reply);
}

TEST(JkCanLink, wrong_bit_rate_hears_nothing) {
    LiveBench bench(kCan, kSlcanPty, {});
    InstrumentSpec spec;
    // The adapter opens at 500 kbit/s; the balancer listens at 250 kbit/s.
    auto text = bench.resolved();
    text = text.substr(0, text.find('?')) + "?bitrate=500000";
    spec.id = "jk";
    spec.kind = InstrumentKind::dut_link;
    spec.connection_text = text;
    spec.connection = *parse_connection(text);
    spec.options = {{"reply_timeout_ms", "200"}};
    spec.retries = 0;
    auto model = drivers::load_model(std::string(RIG_SOURCE_DIR) + "/drivers/models/jk-b2a24s-can.toml");
    auto link = drivers::make_jk_link(spec, model);
    ASSERT_TRUE(link);
    ASSERT_TRUE((*link)->connect(kToday));
    EXPECT_EQ((*link)->read_all().status().code(), Code::timeout);
}
