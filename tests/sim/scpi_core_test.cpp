// The SCPI server core without a wire: header matching, parameters, the error queue.
#include <gtest/gtest.h>

#include "sim/scpi.hpp"

namespace rig::sim {
namespace {

TEST(ScpiCore, short_and_long_forms_and_optional_nodes_match) {
    ScpiServer s;
    double v = -1;
    s.add("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]", [&](const ScpiCall& c) -> ScpiResult {
        auto n = c.number(0, 0, 120, 0);
        if (auto* e = std::get_if<ScpiError>(&n)) return *e;
        v = std::get<double>(n);
        return std::string();
    });
    for (auto line : {"VOLT 1", "volt 1", "VOLTAGE 1", "SOUR:VOLT:LEV 1", ":SOURCE:VOLTAGE:LEVEL:IMM:AMPL 1", "VOLT 1,(@1)"}) {
        v = -1;
        EXPECT_EQ(s.execute(line), "") << line;
        EXPECT_EQ(v, 1.0) << line;
        EXPECT_EQ(s.error_count(), 0u) << line;
    }
    EXPECT_FALSE(s.serves("VOL 1"));
    EXPECT_FALSE(s.serves("VOLT? "));
}

TEST(ScpiCore, unknown_header_is_queued_as_113_and_popped_once) {
    ScpiServer s;
    EXPECT_EQ(s.execute("FOO:BAR 3"), "");
    EXPECT_EQ(s.execute("SYST:ERR?"), "-113,\"Undefined header\"\n");
    EXPECT_EQ(s.execute("SYST:ERR?"), "+0,\"No error\"\n");
}

TEST(ScpiCore, several_queries_on_one_line_answer_on_one_line) {
    ScpiServer s;
    s.on_idn([] { return std::string("JK-RIG,X,1,1.0"); });
    EXPECT_EQ(s.execute("*IDN?;*OPC?"), "JK-RIG,X,1,1.0;1\n");
}

TEST(ScpiCore, error_queue_overflow_ends_in_350) {
    ScpiServer s;
    for (int i = 0; i < 25; ++i) (void)s.execute("NOPE");
    EXPECT_EQ(s.error_count(), 20u);
    for (int i = 0; i < 19; ++i) (void)s.execute("SYST:ERR?");
    EXPECT_EQ(s.execute("SYST:ERR?"), "-350,\"Queue overflow\"\n");
    EXPECT_EQ(s.execute("*CLS;SYST:ERR?"), "+0,\"No error\"\n");
}

TEST(ScpiCore, channel_lists_and_min_max_parse) {
    ScpiCall c{"X", false, {"MAX", "(@1:3,5)"}};
    EXPECT_EQ(std::get<double>(c.number(0, 0, 120, 1)), 120.0);
    EXPECT_EQ(*c.channels(), (std::vector<int>{1, 2, 3, 5}));
    ScpiCall bad{"X", false, {"abc"}};
    EXPECT_EQ(std::get<ScpiError>(bad.number(0, 0, 1, 0)).code, -104);
}

TEST(ScpiCore, readings_print_locale_independently) {
    EXPECT_EQ(scpi_number(12.5), "+1.25000000E+01");
    EXPECT_EQ(scpi_number(-0.0125), "-1.25000000E-02");
}

}  // namespace
}  // namespace rig::sim
