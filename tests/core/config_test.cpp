#include <gtest/gtest.h>

#include "rig/core/config.hpp"

using namespace rig;

namespace {
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST(Config, typed_reads_with_units) {
    auto doc = ConfigDoc::parse(R"(
[step]
voltage = "3.300 V"
settle = "500 ms"
limit = "2.0 A ± 10 %"
range = ["2.0 V", "2.4 V"]
count = 3
ratio = 0.5
on = true
names = ["a", "b"]
)", "plan.toml");
    auto t = doc.root().table("step");
    EXPECT_DOUBLE_EQ(t.quantity("voltage", Unit::volt), 3.3);
    EXPECT_DOUBLE_EQ(t.get<Volts>("voltage").value, 3.3);
    EXPECT_DOUBLE_EQ(t.quantity("settle", Unit::second), 0.5);
    EXPECT_NEAR(*t.limit("limit", Unit::ampere).high, 2.2, 1e-12);
    EXPECT_DOUBLE_EQ(*t.limit("range", Unit::volt).low, 2.0);
    EXPECT_EQ(t.integer("count"), 3);
    EXPECT_DOUBLE_EQ(t.number("ratio"), 0.5);
    EXPECT_DOUBLE_EQ(t.number("count"), 3.0);
    EXPECT_TRUE(t.boolean("on"));
    EXPECT_EQ(t.strings("names").size(), 2u);
    EXPECT_FALSE(t.opt_string("absent"));
    EXPECT_NO_THROW(t.finish());
}

TEST(Config, unknown_key_is_an_error_at_its_own_line) {
    auto doc = ConfigDoc::parse("[plan]\nname = \"eol\"\nversoin = \"1.0\"\n", "eol.toml");
    auto t = doc.root().table("plan");
    t.string("name");
    auto e = error_of([&] { t.finish(); });
    EXPECT_EQ(e, "eol.toml:3:1: key 'plan.versoin': unknown key (check the spelling; unknown keys are errors)");
}

TEST(Config, wrong_unit_error_quotes_file_line_key_and_value) {
    auto doc = ConfigDoc::parse("[s]\nlimit = \"3\"\n", "p.toml");
    auto e = error_of([&] { doc.root().table("s").quantity("limit", Unit::volt); });
    EXPECT_NE(e.find("p.toml:2:9: key 's.limit': expected a voltage like \"3.3 V\", got \"3\""), std::string::npos) << e;
}

TEST(Config, number_where_a_quantity_is_expected_says_to_write_the_unit) {
    auto doc = ConfigDoc::parse("v = 3.3\n", "p.toml");
    auto e = error_of([&] { doc.root().quantity("v", Unit::volt); });
    EXPECT_NE(e.find("p.toml:1:5: key 'v': expected a voltage with its unit as a string"), std::string::npos) << e;
}

TEST(Config, missing_required_key_names_the_table) {
    auto doc = ConfigDoc::parse("[plan]\nname = \"eol\"\n", "p.toml");
    auto e = error_of([&] { doc.root().table("plan").string("version"); });
    EXPECT_NE(e.find("key 'plan.version': missing (required)"), std::string::npos) << e;
}

TEST(Config, syntax_error_has_file_line_column) {
    auto e = error_of([] { ConfigDoc::parse("[plan]\nname = \"eol\n", "broken.toml"); });
    EXPECT_EQ(e.rfind("broken.toml:2:", 0), 0u) << e;
}

TEST(Config, array_of_tables_paths_are_indexed) {
    auto doc = ConfigDoc::parse("[[steps]]\nid = \"a\"\n[[steps]]\nid = \"b\"\nkindd = \"x\"\n", "p.toml");
    auto steps = doc.root().tables("steps");
    ASSERT_EQ(steps.size(), 2u);
    steps[0].string("id");
    steps[0].finish();
    steps[1].string("id");
    auto e = error_of([&] { steps[1].finish(); });
    EXPECT_NE(e.find("p.toml:5:1: key 'steps[1].kindd': unknown key"), std::string::npos) << e;
}

TEST(Config, keys_come_in_file_order) {
    auto doc = ConfigDoc::parse("[w]\nB2 = 2\nB1 = 1\nB10 = 10\n", "f.toml");
    auto keys = doc.root().table("w").keys();
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0], "B2");
    EXPECT_EQ(keys[2], "B10");
}

TEST(Config, missing_file_is_an_error_naming_it) {
    auto e = error_of([] { ConfigDoc::load("/nonexistent/plan.toml"); });
    EXPECT_NE(e.find("/nonexistent/plan.toml"), std::string::npos) << e;
}
