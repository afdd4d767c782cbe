// The JK links' two timeouts (docs/virtual-time.md): the WIRE timeout (how long the rig
// waits on this wire: options.reply_timeout_ms > the fixture's `timeout` > the model quirk
// > 1000 ms) and the PROTOCOL timeout (what an unanswered request costs a real DUT line).
// A silence probe makes one request; a virtual-time bench gives its unpaced DUT links a
// short wire timeout; and read_dut charges a virtual clock the protocol's reply time for
// every unanswered request, whatever the wire waited.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "drivers/jk/link.hpp"
#include "drivers/jk/links.hpp"
#include "drivers/model.hpp"
#include "rig/engine/session.hpp"
#include "rig/engine/step_kind.hpp"
#include "rig/engine/steps/common.hpp"
#include "sim/virtual_bench.hpp"
#include "tests/jk/pty_pair.hpp"

using namespace rig;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToday = "2026-11-25";
const std::string kSrc = RIG_SOURCE_DIR;

drivers::ModelFile rs485_model() { return drivers::load_model(kSrc + "/drivers/models/jk-b2a24s-rs485.toml"); }

InstrumentSpec jk_spec(const std::string& connection) {
    InstrumentSpec spec;
    spec.id = "jk";
    spec.kind = InstrumentKind::dut_link;
    spec.model = "jk-b2a24s-rs485";
    spec.connection_text = connection;
    spec.connection = *parse_connection(connection);
    return spec;
}

// The DUT for wire-level checks: a pty whose master side hears every request and never
// answers (tests/jk/pty_pair.hpp), so the test can count the requests on the wire.
using SilentDut = PtyPair;

const std::string kReadAll("\x55\xAA\x01\xFF\x00\x00\xFF", 7);

std::unique_ptr<drivers::DutLink> connected_link(const InstrumentSpec& spec) {
    auto link = drivers::make_jk_link(spec, rs485_model());
    EXPECT_TRUE(link) << link.status().describe();
    if (!link) return nullptr;
    auto st = (*link)->connect(kToday);
    EXPECT_TRUE(st) << st.describe();
    return std::move(*link);
}

}  // namespace

TEST(JkTiming, wire_timeout_is_the_option_else_the_fixture_timeout_else_the_model_quirk) {
    auto model = rs485_model();
    auto spec = jk_spec("serial:/dev/null:9600:8N1");
    auto t = drivers::jklink::link_timing(spec, model, 0.1);
    ASSERT_TRUE(t) << t.status().describe();
    EXPECT_EQ(t->reply_timeout, 1000ms);  // no fixture timeout: the model's quirk
    EXPECT_EQ(t->protocol_timeout, 1000ms);

    spec.timeout = 250ms;  // the default value alone is not the fixture saying so
    EXPECT_EQ(drivers::jklink::link_timing(spec, model, 0.1)->reply_timeout, 1000ms);
    spec.timeout_given = true;
    t = drivers::jklink::link_timing(spec, model, 0.1);
    EXPECT_EQ(t->reply_timeout, 250ms);
    EXPECT_EQ(t->protocol_timeout, 1000ms);  // the DUT's promise does not change with the wire

    spec.options["reply_timeout_ms"] = "80";
    t = drivers::jklink::link_timing(spec, model, 0.1);
    EXPECT_EQ(t->reply_timeout, 80ms);
    EXPECT_EQ(t->protocol_timeout, 1000ms);

    model.quirks.erase("reply_timeout_ms");
    spec.options.clear();
    spec.timeout_given = false;
    t = drivers::jklink::link_timing(spec, model, 0.1);
    EXPECT_EQ(t->reply_timeout, 1000ms);  // "the balancer answers within 1 s"
    EXPECT_EQ(t->protocol_timeout, 1000ms);
}

TEST(JkTiming, a_fixture_file_timeout_reaches_the_link) {
    Fixture fx = load_fixture(std::string(RIG_TEST_DATA) + "/fixtures/plan-virtual-fast.toml");
    const InstrumentSpec* jk = fx.instrument("jk");
    ASSERT_NE(jk, nullptr);
    EXPECT_TRUE(jk->timeout_given);
    EXPECT_FALSE(fx.instrument("psu")->timeout_given);
    auto t = drivers::jklink::link_timing(*jk, drivers::load_model(jk->model_file), 0.1);
    ASSERT_TRUE(t) << t.status().describe();
    EXPECT_EQ(t->reply_timeout, 250ms);
    EXPECT_EQ(t->retries, 1);
}

TEST(JkTiming, the_fixture_timeout_is_what_a_silent_dut_is_waited_for) {
    SilentDut dut;
    auto spec = jk_spec("serial:" + dut.path + ":9600:8N1");
    spec.timeout = 120ms;
    spec.timeout_given = true;
    spec.retries = 0;
    auto link = connected_link(spec);
    ASSERT_TRUE(link);
    auto r = link->read_all();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::timeout);
    EXPECT_NE(r.status().message().find("within 120 ms"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("reply timeout 120 ms"), std::string::npos) << r.status().message();
    EXPECT_EQ(link->protocol_timeout(), 1000ms);
}

TEST(JkTiming, a_silence_probe_makes_exactly_one_request_where_read_all_retries) {
    SilentDut dut;
    auto spec = jk_spec("serial:" + dut.path + ":9600:8N1");
    spec.options["reply_timeout_ms"] = "60";
    spec.retries = 2;
    auto link = connected_link(spec);
    ASSERT_TRUE(link);
    EXPECT_EQ(dut.pending(), kReadAll);  // the read-all at connect

    auto p = link->probe();
    ASSERT_FALSE(p);
    EXPECT_EQ(p.status().code(), Code::timeout);
    EXPECT_NE(p.status().message().find("(1 attempt,"), std::string::npos) << p.status().message();
    EXPECT_NE(p.status().message().find("within 60 ms"), std::string::npos) << "no probe_timeout_ms: the wire's";
    EXPECT_EQ(dut.pending(), kReadAll);

    auto r = link->read_all();
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("(3 attempts,"), std::string::npos) << r.status().message();
    EXPECT_EQ(dut.pending(), kReadAll + kReadAll + kReadAll);
    EXPECT_EQ(link->read_attempts(), 3);
}

TEST(JkTiming, a_silence_probe_listens_for_the_probe_timeout_a_read_for_the_wire_timeout) {
    SilentDut dut;
    auto spec = jk_spec("serial:" + dut.path + ":9600:8N1");
    spec.options["reply_timeout_ms"] = "90";
    spec.options["probe_timeout_ms"] = "30";
    spec.retries = 0;
    auto link = connected_link(spec);
    ASSERT_TRUE(link);
    auto p = link->probe();
    ASSERT_FALSE(p);
    EXPECT_NE(p.status().message().find("within 30 ms"), std::string::npos) << p.status().message();
    auto r = link->read_all();
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("within 90 ms"), std::string::npos) << r.status().message();
}

TEST(JkTiming, a_virtual_time_bench_gives_its_dut_links_a_short_wire_timeout_in_the_resolved_fixture) {
    for (bool virtual_time : {true, false}) {
        sim::VirtualBenchOptions o;
        o.fixture_path = kSrc + "/fixtures/virtual.toml";
        o.virtual_time = virtual_time;
        auto vb = sim::VirtualBench::start(o);
        ASSERT_TRUE(vb) << vb.status().describe();
        Fixture fx = load_fixture((*vb)->resolved_fixture_path());
        const InstrumentSpec* jk = fx.instrument("jk");
        ASSERT_NE(jk, nullptr);
        EXPECT_TRUE(jk->timeout_given);
        auto t = drivers::jklink::link_timing(*jk, drivers::load_model(jk->model_file), 0.1);
        ASSERT_TRUE(t) << t.status().describe();
        if (virtual_time) {
            // The twin answers unpaced: short waits, the protocol's reply time kept; a
            // silence probe listens shorter than a read that must be answered.
            EXPECT_LT(jk->timeout, 1s) << "virtual time";
            EXPECT_GT(jk->timeout, 0ms);
            EXPECT_LT(t->probe_timeout, t->reply_timeout);
            EXPECT_GT(t->probe_timeout, 0ms);
        } else {
            EXPECT_EQ(jk->timeout, 1s) << "real time keeps the fixture's timeout";
            EXPECT_EQ(t->probe_timeout, t->reply_timeout) << "real time: a probe waits as long as a read";
        }
        EXPECT_EQ(t->reply_timeout, jk->timeout);
        EXPECT_EQ(t->protocol_timeout, 1s);
        EXPECT_EQ(fx.instrument("emu")->timeout, 500ms);  // other instruments as the fixture says
        (*vb)->stop();
        std::remove((*vb)->resolved_fixture_path().c_str());
    }
}

TEST(JkTiming, virtual_read_dut_charges_the_protocol_timeout_for_every_unanswered_request) {
    sim::VirtualBenchOptions o;
    o.fixture_path = kSrc + "/fixtures/virtual.toml";  // jk: retries 2 (default)
    o.virtual_time = true;
    o.settings = {{"comms_silent", "true"}};
    auto vb = sim::VirtualBench::start(o);
    ASSERT_TRUE(vb) << vb.status().describe();
    Fixture fx = load_fixture((*vb)->resolved_fixture_path());
    auto sc = engine::make_socket_clock(fx, true);
    ASSERT_TRUE(sc) << sc.status().describe();
    engine::InstrumentPool pool(fx);
    auto bench = engine::Bench::open(fx, fx.sockets.at(0), pool);
    ASSERT_TRUE(bench) << bench.status().describe();
    ASSERT_TRUE((*bench)->connect_all(kToday));
    engine::Plan plan;
    engine::Step step;
    engine::RunResults results;
    engine::StepContext ctx(**bench, *sc->clock, {}, plan, step, results, sc->clock->now() + 1h);

    TimePoint t0 = ctx.now();
    auto p = engine::steps::read_dut(ctx, engine::steps::DutRead::probe);
    ASSERT_FALSE(p);
    EXPECT_TRUE(engine::steps::is_dut_silence(p.status())) << p.status().describe();
    EXPECT_EQ(ctx.now() - t0, Duration(1s));  // one request, the protocol's 1 s (not the wire's)

    t0 = ctx.now();
    auto r = engine::steps::read_dut(ctx);
    ASSERT_FALSE(r);
    EXPECT_TRUE(engine::steps::is_dut_silence(r.status())) << r.status().describe();
    EXPECT_EQ(ctx.now() - t0, Duration(3s));  // 1 + 2 retries, 1 s each
    std::remove((*vb)->resolved_fixture_path().c_str());
}
