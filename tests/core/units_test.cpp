#include <gtest/gtest.h>

#include <clocale>

#include "rig/core/units.hpp"

using namespace rig;
using namespace rig::literals;

TEST(Units, parses_voltage_with_and_without_space_and_prefix) {
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "3.300 V"), 3.3);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "3.3V"), 3.3);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "50 mV"), 0.05);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "-2 mV"), -0.002);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "1.5 kV"), 1500.0);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "+0.25 V"), 0.25);
}

TEST(Units, parses_current_power_temperature_and_resistance) {
    EXPECT_DOUBLE_EQ(*parse_as(Unit::ampere, "2 A"), 2.0);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::ampere, "500 mA"), 0.5);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::ampere, "50 µA"), 50e-6);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::ampere, "50 uA"), 50e-6);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::watt, "1000 mW"), 1.0);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::celsius, "25 °C"), 25.0);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::celsius, "-30 degC"), -30.0);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::ohm, "10 kΩ"), 10000.0);
    EXPECT_DOUBLE_EQ(*parse_as(Unit::ohm, "4.7 kohm"), 4700.0);
}

TEST(Units, parses_durations_into_chrono_seconds) {
    EXPECT_DOUBLE_EQ(parse<Seconds>("500 ms")->count(), 0.5);
    EXPECT_DOUBLE_EQ(parse<Seconds>("2 s")->count(), 2.0);
    EXPECT_DOUBLE_EQ(parse<Seconds>("1.5 min")->count(), 90.0);
    EXPECT_DOUBLE_EQ(parse<Seconds>("250 us")->count(), 250e-6);
}

TEST(Units, parses_plus_minus_tolerance_as_half_width) {
    auto q = parse_quantity("±3 mV");
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->plus_minus);
    EXPECT_DOUBLE_EQ(q->value, 0.003);
    EXPECT_EQ(q->unit, Unit::volt);
    auto q2 = parse_quantity("+-10 %");
    ASSERT_TRUE(q2);
    EXPECT_TRUE(q2->plus_minus);
    EXPECT_DOUBLE_EQ(q2->value, 0.10);
}

TEST(Units, missing_unit_is_an_error_that_says_so) {
    auto r = parse_as(Unit::volt, "3.3");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
    EXPECT_NE(r.status().message().find("missing unit"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("expected a voltage"), std::string::npos);
}

TEST(Units, wrong_unit_is_an_error_naming_expected_and_given) {
    auto r = parse_as(Unit::volt, "3 A");
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("expected a voltage like \"3.3 V\", got \"3 A\""), std::string::npos)
        << r.status().message();
}

TEST(Units, unknown_unit_is_named_in_the_error) {
    auto r = parse_quantity("3 Vx");
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find("unknown unit 'Vx'"), std::string::npos) << r.status().message();
}

TEST(Units, garbage_and_tolerance_where_a_value_is_expected_are_errors) {
    EXPECT_FALSE(parse_as(Unit::volt, "three volts"));
    EXPECT_FALSE(parse_as(Unit::volt, ""));
    EXPECT_FALSE(parse_as(Unit::volt, "±3 mV"));
    EXPECT_FALSE(parse_as(Unit::volt, "3,3 V"));  // a comma is never a decimal point
    EXPECT_FALSE(parse_as(Unit::volt, "nan V"));
}

TEST(Units, parsing_and_formatting_ignore_the_c_locale) {
    // A German locale writes 3,3; our files always use '.', whatever the machine says.
    const char* old = std::setlocale(LC_NUMERIC, nullptr);
    std::string saved = old ? old : "C";
    bool comma_locale = false;
    for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "C.UTF-8"})
        if (std::setlocale(LC_NUMERIC, name) && std::string(std::localeconv()->decimal_point) == ",") {
            comma_locale = true;
            break;
        }
    if (!comma_locale) {
        std::setlocale(LC_NUMERIC, saved.c_str());
        GTEST_SKIP() << "no locale with a decimal comma is installed (package locales-all)";
    }
    EXPECT_DOUBLE_EQ(*parse_as(Unit::volt, "3.300 V"), 3.3);
    EXPECT_EQ(format_quantity(3.3, Unit::volt), "3.300 V");
    std::setlocale(LC_NUMERIC, saved.c_str());
}

TEST(Units, formats_with_engineering_prefixes) {
    EXPECT_EQ(format_quantity(3.3, Unit::volt), "3.300 V");
    EXPECT_EQ(format_quantity(0.0035, Unit::volt), "3.500 mV");
    EXPECT_EQ(format_quantity(2.0, Unit::ampere), "2.000 A");
    EXPECT_EQ(format_quantity(0.6, Unit::watt), "600.0 mW");
    EXPECT_EQ(format_quantity(25.0, Unit::celsius), "25.00 °C");
    EXPECT_EQ(format_quantity(0.1, Unit::percent), "10.00 %");
}

TEST(Units, quantities_are_typed_and_combine_physically) {
    Volts v = 50.0_V;
    Amps a = 12_mA;
    Watts p = v * a;
    EXPECT_DOUBLE_EQ(p.value, 0.6);
    EXPECT_LT(3.2_V, 3.3_V);
    EXPECT_DOUBLE_EQ((3.3_V - 3_mV).value, 3.297);
    EXPECT_DOUBLE_EQ(parse<Volts>("3.3 V")->value, 3.3);
}
