// The Keysight model files (keysight-e36xx.toml, keysight-34461a.toml) against the SCPI
// twins over TCP: a fixture that names those models makes the twins answer *IDN? as an
// E36312A and a 34461A, so the drivers built from the model files accept them at connect,
// their setpoints land in the twin (checked by an independent SCPI connection) and their
// readbacks match. A wrong model is refused at connect, naming instrument, address and
// identity; the twins' `idn` setting makes any identity on demand.
#include <fstream>
#include <sstream>

#include "../sim/bench_helper.hpp"  // the virtual bench, temp files and raw SCPI clients of tests/sim
#include "drivers/factory.hpp"
#include "drivers/kinds.hpp"

using namespace rig;
using namespace rig::drivers;
using sim::test::num;

namespace {

const std::string kToday = "2026-11-25";

void expect_names(const Status& s, std::initializer_list<std::string> parts) {
    for (auto& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << "missing \"" << p << "\" in: " << s.describe();
}

// fixtures/virtual.toml with the supply and meter as Keysight models.
std::string keysight_fixture() {
    std::ifstream in(sim::test::fixture_path("virtual.toml"));
    std::stringstream text;
    text << in.rdbuf();
    auto s = text.str();
    auto replace = [&s](const std::string& from, const std::string& to) {
        auto at = s.find(from);
        if (at == std::string::npos) throw std::runtime_error("virtual.toml has no " + from);
        s.replace(at, from.size(), to);
    };
    replace("model = \"rigsim-supply\"", "model = \"keysight-e36xx\"");
    replace("model = \"rigsim-meter\"", "model = \"keysight-34461a\"");
    // The E36312A's widest output is 25 V: the bench's safe limits narrow it further.
    replace("voltage = [\"0 V\", \"100 V\"]", "voltage = [\"0 V\", \"24 V\"]");
    auto path = sim::test::temp_path("keysight-fixture.toml");
    std::ofstream(path) << s;
    return path;
}

class KeysightBench : public ::testing::Test {
protected:
    ~KeysightBench() override { std::filesystem::remove(fixture_); }

    // A driver built from the fixture's entry (edited), with the supply's safe limits.
    template <class K>
    std::shared_ptr<K> open(const std::string& id, const std::function<void(InstrumentSpec&)>& edit = {}) {
        auto spec = *b_.resolved.instrument(id);
        if (edit) edit(spec);
        auto inst = open_instrument(spec);
        EXPECT_TRUE(inst) << inst.status().describe();
        if (!inst) return nullptr;
        auto k = std::dynamic_pointer_cast<K>(*inst);
        if (spec.kind == InstrumentKind::supply && b_.resolved.limits("supply"))
            k->set_safe_limits(*b_.resolved.limits("supply"));
        return k;
    }
    template <class K>
    std::shared_ptr<K> connected(const std::string& id) {
        auto k = open<K>(id);
        if (!k) return nullptr;
        auto s = k->connect(kToday);
        EXPECT_TRUE(s) << s.describe();
        return s ? k : nullptr;
    }
    // A second SCPI connection, not built from the model file: what landed in the twin.
    std::string ask(const std::string& id, const std::string& query) {
        sim::test::ScpiClient c(b_.conn(id));
        return c.query(query);
    }
    static std::string model_file(const std::string& model) {
        return std::string(RIG_SOURCE_DIR) + "/drivers/models/" + model + ".toml";
    }

    std::string fixture_{keysight_fixture()};
    sim::test::Bench b_{fixture_};
};

TEST_F(KeysightBench, e36xx_model_file_drives_the_supply_twin_as_an_e36312a) {
    auto psu = connected<Supply>("psu");
    ASSERT_TRUE(psu);
    EXPECT_EQ(psu->identity().manufacturer, "Keysight Technologies");
    EXPECT_EQ(psu->identity().model, "E36312A");
    EXPECT_EQ(psu->identity().serial, "MY59000001");
    ASSERT_TRUE(psu->set_voltage(Volts(12.5)));
    ASSERT_TRUE(psu->set_current_limit(Amps(0.25)));
    ASSERT_TRUE(psu->set_output(true));
    EXPECT_NEAR(num(ask("psu", "VOLT? (@1)")), 12.5, 1e-9);
    EXPECT_NEAR(num(ask("psu", "CURR? (@1)")), 0.25, 1e-9);
    EXPECT_EQ(ask("psu", "OUTP? (@1)"), "1");
    EXPECT_NEAR(num(ask("psu", "VOLT? (@2)")), 0.0, 1e-9) << "the other outputs are untouched";
    auto v = psu->measure_voltage();
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_NEAR(v->value, 12.5, 0.01);
    auto a = psu->measure_current();
    ASSERT_TRUE(a) << a.status().describe();
    EXPECT_GE(a->value, 0.0);
    ASSERT_TRUE(psu->safe());
    EXPECT_EQ(ask("psu", "OUTP? (@1)"), "0");
    EXPECT_EQ(ask("psu", "SYST:ERR?"), "+0,\"No error\"");
}

TEST_F(KeysightBench, model_34461a_file_drives_the_meter_twin_as_a_34461a) {
    auto dmm = connected<Meter>("dmm");
    auto psu = connected<Supply>("psu");
    auto rly = connected<RelayBank>("rly");
    ASSERT_TRUE(dmm && psu && rly);
    EXPECT_EQ(dmm->identity().manufacturer, "Keysight Technologies");
    EXPECT_EQ(dmm->identity().model, "34461A");
    ASSERT_TRUE(psu->set_voltage(Volts(24)));
    ASSERT_TRUE(psu->set_output(true));
    ASSERT_TRUE(rly->set(b_.resolved.sockets.at(0).relay_map.at("bplus"), true));  // B+ through the meter

    ASSERT_TRUE(dmm->configure(MeterFunction::dc_volts, 100.0, 1.0));
    EXPECT_EQ(ask("dmm", "CONF?"), "\"VOLT +1.00000000E+02\"");
    EXPECT_NEAR(num(ask("dmm", "VOLT:DC:NPLC?")), 1.0, 1e-9);
    auto v = dmm->read();
    ASSERT_TRUE(v) << v.status().describe();
    EXPECT_NEAR(*v, 24.0, dmm->uncertainty(24.0)) << "inside the 34461A's accuracy on the 100 V range";

    ASSERT_TRUE(dmm->configure(MeterFunction::dc_amps, std::nullopt, 10.0));
    EXPECT_NEAR(num(ask("dmm", "CURR:DC:NPLC?")), 10.0, 1e-9);
    auto a = dmm->read();
    ASSERT_TRUE(a) << a.status().describe();
    // The DUT twin is off (no cells): it draws its off current, 50 uA.
    EXPECT_NEAR(*a, 50e-6, dmm->uncertainty(50e-6) + 1e-9);
    EXPECT_EQ(ask("dmm", "SYST:ERR?"), "+0,\"No error\"");
}

TEST_F(KeysightBench, a_wrong_model_is_refused_at_connect) {
    // The virtual bench's own supply model file against the twin answering as an E36312A.
    auto psu = open<Supply>("psu", [](InstrumentSpec& s) {
        s.model = "rigsim-supply";
        s.model_file = model_file("rigsim-supply");
    });
    ASSERT_TRUE(psu);
    auto s = psu->connect(kToday);
    EXPECT_EQ(s.code(), Code::identity_mismatch) << s.describe();
    expect_names(s, {"psu scpi-tcp://127.0.0.1:", "Keysight Technologies,E36312A", "rigsim-supply"});
    EXPECT_FALSE(psu->connected());

    // The 34461A model file against a meter twin told to answer as the virtual DMM.
    ASSERT_TRUE(b_.bench->set("dmm.idn", "JK-RIG,DMM-6,DMM6-0001,1.0"));
    auto dmm = open<Meter>("dmm");
    ASSERT_TRUE(dmm);
    s = dmm->connect(kToday);
    EXPECT_EQ(s.code(), Code::identity_mismatch) << s.describe();
    expect_names(s, {"dmm scpi-tcp://127.0.0.1:", "JK-RIG,DMM-6", "keysight-34461a", "34461A"});
}

TEST_F(KeysightBench, the_idn_setting_gives_any_identity_and_a_new_unit_restores_the_models) {
    ASSERT_TRUE(b_.bench->set("meter.idn", "Keysight Technologies,34461A,MY53999999,A.02.14-02.40-02.14-00.49-03-01"));
    auto dmm = connected<Meter>("dmm");
    ASSERT_TRUE(dmm);
    EXPECT_EQ(dmm->identity().serial, "MY53999999");
    EXPECT_EQ(dmm->identity().firmware, "A.02.14-02.40-02.14-00.49-03-01");
    ASSERT_TRUE(b_.bench->reset_unit(2, false, {}));
    EXPECT_EQ(ask("dmm", "*IDN?"), "Keysight Technologies,34461A,MY53000001,A.03.01-02.40-03.01-00.52-04-02");
}

}  // namespace
