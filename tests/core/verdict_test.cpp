#include <gtest/gtest.h>

#include <vector>

#include "rig/core/verdict.hpp"

using namespace rig;

TEST(Verdict, error_outranks_fail_outranks_pass_outranks_skipped) {
    EXPECT_EQ(worst(Verdict::pass, Verdict::fail), Verdict::fail);
    EXPECT_EQ(worst(Verdict::fail, Verdict::error), Verdict::error);
    EXPECT_EQ(worst(Verdict::skipped, Verdict::pass), Verdict::pass);
    EXPECT_EQ(worst(Verdict::error, Verdict::skipped), Verdict::error);
}

TEST(Verdict, run_with_one_fail_among_passes_fails) {
    std::vector<Verdict> v{Verdict::pass, Verdict::fail, Verdict::pass, Verdict::skipped};
    EXPECT_EQ(aggregate(v), Verdict::fail);
}

TEST(Verdict, rig_error_outranks_a_dut_fail_in_the_sum) {
    std::vector<Verdict> v{Verdict::fail, Verdict::error, Verdict::pass};
    EXPECT_EQ(aggregate(v), Verdict::error);
}

TEST(Verdict, only_skipped_gives_skipped_and_nothing_gives_error) {
    std::vector<Verdict> s{Verdict::skipped, Verdict::skipped};
    EXPECT_EQ(aggregate(s), Verdict::skipped);
    EXPECT_EQ(aggregate({}), Verdict::error);
}

TEST(Verdict, pass_with_skips_is_pass) {
    std::vector<Verdict> v{Verdict::pass, Verdict::skipped};
    EXPECT_EQ(aggregate(v), Verdict::pass);
}

TEST(Verdict, exit_codes_follow_the_cli_convention) {
    EXPECT_EQ(exit_code(Verdict::pass), 0);
    EXPECT_EQ(exit_code(Verdict::fail), 1);
    EXPECT_EQ(exit_code(Verdict::error), 2);
}

TEST(Verdict, text_round_trips) {
    for (auto v : {Verdict::pass, Verdict::fail, Verdict::error, Verdict::skipped})
        EXPECT_EQ(parse_verdict(to_string(v)), v);
    EXPECT_FALSE(parse_verdict("MAYBE"));
}
