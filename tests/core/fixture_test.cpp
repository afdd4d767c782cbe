// The fixture catalogue (tests/data/fixtures): good files load, every bad file fails with
// the file:line and the key its header promises ("# expect: LINE KEY MESSAGE").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rig/fixture/fixture.hpp"

namespace fs = std::filesystem;
using namespace rig;

namespace {

struct Expectation {
    int line{0};
    std::string key;
    std::string message;
};

Expectation read_expectation(const fs::path& p) {
    std::ifstream in(p);
    std::string first;
    std::getline(in, first);
    std::istringstream s(first);
    std::string hash, word;
    Expectation e;
    s >> hash >> word >> e.line >> e.key;
    std::getline(s, e.message);
    if (!e.message.empty() && e.message.front() == ' ') e.message.erase(0, 1);
    if (e.key == "-") e.key.clear();
    if (e.message == "-") e.message.clear();
    return e;
}

std::vector<fs::path> files(const std::string& prefix) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(fs::path(RIG_TEST_DATA) / "fixtures"))
        if (e.path().filename().string().starts_with(prefix) && e.path().extension() == ".toml")
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(FixtureCatalogue, every_bad_fixture_names_file_line_and_key) {
    auto bad = files("bad-");
    ASSERT_GE(bad.size(), 10u);
    for (auto& p : bad) {
        SCOPED_TRACE(p.filename().string());
        auto want = read_expectation(p);
        try {
            load_fixture(p.string());
            ADD_FAILURE() << "loaded without error";
        } catch (const ConfigError& e) {
            std::string what = e.what();
            EXPECT_EQ(e.where().file, p.string());
            EXPECT_EQ(e.where().line, want.line) << what;
            EXPECT_NE(what.find(p.string() + ":" + std::to_string(want.line) + ":"), std::string::npos) << what;
            if (!want.key.empty()) {
                EXPECT_EQ(e.key(), want.key) << what;
                EXPECT_NE(what.find("key '" + want.key + "'"), std::string::npos) << what;
            }
            EXPECT_NE(what.find(want.message), std::string::npos) << what;
        }
    }
}

TEST(FixtureCatalogue, good_fixtures_and_the_shipped_fixtures_load) {
    auto good = files("good-");
    ASSERT_FALSE(good.empty());
    for (auto& p : good) {
        SCOPED_TRACE(p.string());
        EXPECT_NO_THROW(load_fixture(p.string()));
    }
    for (auto& e : fs::directory_iterator(fs::path(RIG_SOURCE_DIR) / "fixtures")) {
        if (e.path().extension() != ".toml") continue;
        SCOPED_TRACE(e.path().string());
        EXPECT_NO_THROW(load_fixture(e.path().string()));
    }
}

TEST(Fixture, virtual_bench_is_wired_b1_to_b24_with_an_interlock) {
    auto f = load_fixture(std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml");
    ASSERT_EQ(f.sockets.size(), 1u);
    const auto& s = f.sockets[0];
    EXPECT_EQ(s.cell_count, 24);
    EXPECT_EQ(s.channel_of_pin(1), 1);
    EXPECT_EQ(s.channel_of_pin(24), 24);
    EXPECT_EQ(s.relay_map.at("bplus"), 0);
    ASSERT_TRUE(s.interlock);
    EXPECT_EQ(s.interlock->instrument, "rly");
    ASSERT_NE(f.instrument("emu"), nullptr);
    EXPECT_EQ(f.instrument("emu")->kind, InstrumentKind::cell_emulator);
    EXPECT_EQ(f.instrument("emu")->calibration_due, "2027-12-31");
    EXPECT_EQ(f.instrument("jk")->timeout, std::chrono::seconds(1));
    ASSERT_NE(f.limits("cells"), nullptr);
    EXPECT_DOUBLE_EQ(f.limits("cells")->voltage->high, 5.0);
    EXPECT_DOUBLE_EQ(f.limits("supply")->current->high, 0.5);
    ASSERT_TRUE(f.sim);
    EXPECT_EQ(f.sim->control.port, 0);
}

TEST(Fixture, resolved_fixture_keeps_everything_but_the_addresses) {
    auto src = std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml";
    auto text = resolve_fixture_text(src, {{"emu", "modbus-tcp://127.0.0.1:40001"}, {"jk", "serial:/dev/pts/9:9600:8N1"}},
                                     "simctl-tcp://127.0.0.1:40002");
    auto out = fs::temp_directory_path() / "rig-resolved-fixture-test.toml";
    std::ofstream(out) << text;
    auto f = load_fixture(out.string());
    EXPECT_EQ(f.instrument("emu")->connection.port, 40001);
    EXPECT_EQ(f.instrument("jk")->connection.device, "/dev/pts/9");
    EXPECT_EQ(f.sim->control.port, 40002);
    EXPECT_EQ(f.sockets[0].relay_map.at("lamp_fail"), 3);
    fs::remove(out);
}
