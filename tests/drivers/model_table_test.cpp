// The model table test: every model file shipped in drivers/models/ loads, and every row of
// it is sane for the kind it claims (the roles its backend looks up exist, per-channel rows
// cover the channels, scales and units make physical sense). Then the catalogue of bad
// model files in tests/data/models/: each must fail with the line and key its header names.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "drivers/model.hpp"

namespace fs = std::filesystem;
using namespace rig;
using namespace rig::drivers;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".toml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

const fs::path kModels = fs::path(RIG_SOURCE_DIR) / "drivers" / "models";

// The roles each backend looks up (drivers/backends/backends.hpp, docs/model-files.md).
struct Needs {
    std::vector<std::string> registers;
    std::vector<std::string> commands;
};
Needs needs_of(const ModelFile& m) {
    if (m.protocol == "modbus") {
        if (m.kind == "cell_emulator") return {{"voltage_set", "voltage_read", "current_read", "output"}, {}};
        if (m.kind == "supply") return {{"voltage_set", "current_set", "voltage_read", "current_read", "output"}, {}};
        if (m.kind == "relay_bank") {
            if (m.inputs > 0) return {{"relay", "input"}, {}};
            return {{"relay"}, {}};
        }
    }
    if (m.protocol == "scpi" && m.kind == "supply")
        return {{}, {"set_voltage", "set_current", "output", "measure_voltage", "measure_current"}};
    if (m.protocol == "scpi" && m.kind == "meter") return {{}, {"configure_dc_volts", "configure_dc_amps", "read"}};
    if (m.protocol == "ascii" && m.kind == "cell_emulator")
        return {{}, {"set_voltage", "output", "measure_voltage", "measure_current"}};
    return {};
}

Unit unit_for_role(const std::string& name) {
    if (name.starts_with("voltage") || name == "input_voltage") return Unit::volt;
    if (name.starts_with("current")) return Unit::ampere;
    if (name.starts_with("power")) return Unit::watt;
    return Unit::none;
}

}  // namespace

TEST(ModelTable, every_model_file_loads_and_every_row_is_sane) {
    auto files = files_in(kModels);
    ASSERT_GE(files.size(), 15u) << "expected the shipped model files in " << kModels;
    std::set<std::string> names;
    for (auto& f : files) {
        SCOPED_TRACE(f.string());
        ModelFile m;
        ASSERT_NO_THROW(m = load_model(f.string()));
        EXPECT_EQ(m.name, f.stem().string()) << "a model's name is its file name (fixtures find it that way)";
        EXPECT_TRUE(names.insert(m.name).second);
        EXPECT_FALSE(m.manufacturer.empty());
        EXPECT_FALSE(m.description.empty());

        for (auto& r : m.registers) {
            SCOPED_TRACE("register " + r.name + " at " + r.where.str());
            EXPECT_TRUE(std::isfinite(r.scale));
            EXPECT_GT(std::fabs(r.scale), 1e-9);
            EXPECT_LE(std::fabs(r.scale), 1e6);
            if (auto want = unit_for_role(r.name); want != Unit::none) { EXPECT_EQ(r.unit, want) << "role implies a unit"; }
            if (r.channels > 0 && m.kind == "cell_emulator") { EXPECT_EQ(r.channels, m.channels); }
            if (r.channels > 0 && m.kind == "relay_bank") {
                EXPECT_EQ(r.channels, r.table == RegisterTable::coil ? m.relays : m.inputs);
            }
            EXPECT_LE(r.address_of(std::max(1, r.channels)) + r.words() - 1, 65535);
            // The model's full voltage range must be representable in the row.
            if (r.unit == Unit::volt && m.voltage_range && r.writable) {
                double max_raw = r.type == RegisterType::u16 ? 65535 : r.type == RegisterType::i16 ? 32767 : 4.29e9;
                EXPECT_LE(m.voltage_range->second / r.scale, max_raw) << "range does not fit the register";
            }
            if (r.unit == Unit::ampere && m.current_range && r.writable) {
                double max_raw = r.type == RegisterType::u16 ? 65535 : r.type == RegisterType::i16 ? 32767 : 4.29e9;
                EXPECT_LE(m.current_range->second / r.scale, max_raw) << "range does not fit the register";
            }
        }
        // Addresses unique per table (the loader checks; this re-checks independently).
        std::set<std::pair<int, int>> used;
        for (auto& r : m.registers)
            for (int c = 0; c < std::max(1, r.channels); ++c)
                for (int w = 0; w < r.words(); ++w)
                    EXPECT_TRUE(used.insert({static_cast<int>(r.table), r.address + c * r.stride + w}).second)
                        << r.name << " overlaps at " << r.address + c * r.stride + w;

        auto needs = needs_of(m);
        for (auto& n : needs.registers) {
            auto* r = m.reg(n);
            EXPECT_NE(r, nullptr) << "missing register role " << n;
            if (r && (n.ends_with("_set") || n == "output" || n == "relay")) { EXPECT_TRUE(r->writable) << n; }
        }
        for (auto& n : needs.commands) EXPECT_NE(m.command(n), nullptr) << "missing command role " << n;
        if (m.kind == "cell_emulator" || m.kind == "supply") {
            EXPECT_TRUE(m.voltage_range.has_value()) << "outputs need [ranges]";
            EXPECT_TRUE(m.current_range.has_value());
        }
        if (m.voltage_range) { EXPECT_LT(m.voltage_range->first, m.voltage_range->second); }
        if (m.current_range) { EXPECT_LT(m.current_range->first, m.current_range->second); }
        if (m.protocol == "scpi" || m.protocol == "ascii") {
            EXPECT_FALSE(m.identity_match.empty()) << "text protocols recognise the model by its *IDN? reply";
            if (auto* v = m.command("set_voltage")) { EXPECT_NE(v->find("{value}"), std::string::npos); }
            if (auto* o = m.command("output")) { EXPECT_NE(o->find("{state}"), std::string::npos); }
        }
        if (m.kind == "meter") {
            for (auto fn : {"dc_volts", "dc_amps"}) {
                ASSERT_TRUE(m.accuracy.count(fn)) << "a meter needs [accuracy." << fn << "]";
                auto& a = m.accuracy.at(fn);
                EXPECT_FALSE(a.ranges.empty());
                for (size_t i = 0; i < a.ranges.size(); ++i) {
                    EXPECT_GT(a.reading_pct_at(i) + a.range_pct_at(i), 0.0);
                    EXPECT_LT(a.reading_pct_at(i), 1.0) << "a DMM better than 1 % of reading";
                }
            }
        }
        if (!m.identity_register.empty()) { EXPECT_FALSE(m.identity_values.empty()); }
    }
}

TEST(ModelTable, keysight_34461a_accuracy_is_the_datasheet_one_year_table) {
    auto m = load_model((kModels / "keysight-34461a.toml").string());
    auto& v = m.accuracy.at("dc_volts");
    ASSERT_EQ(v.ranges.size(), 5u);
    EXPECT_DOUBLE_EQ(v.ranges[2], 10.0);
    EXPECT_DOUBLE_EQ(v.reading_pct_at(2), 0.0035);  // 10 V range: 0.0035 % of reading
    EXPECT_DOUBLE_EQ(v.range_pct_at(2), 0.0005);    // + 0.0005 % of range
    EXPECT_DOUBLE_EQ(v.reading_pct_at(0), 0.0050);  // 100 mV range
    EXPECT_DOUBLE_EQ(v.range_pct_at(0), 0.0035);
}

TEST(ModelTable, riden_current_scale_differs_per_model) {
    EXPECT_DOUBLE_EQ(load_model((kModels / "riden-rd6006.toml").string()).reg("current_set")->scale, 0.001);
    EXPECT_DOUBLE_EQ(load_model((kModels / "riden-rd6012.toml").string()).reg("current_set")->scale, 0.01);
    auto rd18 = load_model((kModels / "riden-rd6018.toml").string());
    EXPECT_DOUBLE_EQ(rd18.reg("current_read")->scale, 0.01);
    EXPECT_DOUBLE_EQ(rd18.reg("voltage_set")->scale, 0.01);
    EXPECT_EQ(rd18.reg("output")->address, 18);
    EXPECT_NE(std::find(rd18.identity_values.begin(), rd18.identity_values.end(), 60181), rd18.identity_values.end());
}

// Each bad file says what it expects in a header line "# expect: line N key K".
TEST(BadModelFiles, each_gives_an_error_located_at_its_line_and_key) {
    auto files = files_in(fs::path(RIG_TEST_DATA) / "models");
    ASSERT_GE(files.size(), 15u);
    std::regex expect_re(R"(# expect: line (\d+) key (\S+))");
    for (auto& f : files) {
        SCOPED_TRACE(f.string());
        std::ifstream in(f);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        std::smatch mt;
        ASSERT_TRUE(std::regex_search(text, mt, expect_re)) << "bad model file without an expect line";
        int line = std::stoi(mt[1]);
        std::string key = mt[2];
        try {
            (void)load_model(f.string());
            ADD_FAILURE() << "loaded without error";
        } catch (const ConfigError& e) {
            std::string what = e.what();
            EXPECT_EQ(e.where().file, f.string()) << what;
            EXPECT_EQ(e.where().line, line) << what;
            EXPECT_NE(e.key().find(key), std::string::npos) << "key '" << e.key() << "' should name " << key << ": " << what;
            EXPECT_NE(what.find(f.filename().string()), std::string::npos) << "the message names the file";
        }
    }
}
