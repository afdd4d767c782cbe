#include <gtest/gtest.h>

#include "rig/core/status.hpp"

using namespace rig;

namespace {
Result<int> half(int x) {
    if (x % 2) return Status(Code::invalid_argument, "odd");
    return x / 2;
}
Status quarter(int x, int& out) {
    auto h = half(x);
    RIG_TRY(h);
    auto q = half(*h);
    RIG_TRY(q);
    out = *q;
    return Status::ok();
}
}  // namespace

TEST(Status, code_table_says_what_to_do) {
    EXPECT_EQ(recovery(Code::timeout), Recovery::retry_call);
    EXPECT_EQ(recovery(Code::bad_reply), Recovery::retry_call);
    EXPECT_EQ(recovery(Code::disconnected), Recovery::retry_step);
    EXPECT_EQ(recovery(Code::device_error), Recovery::retry_step);
    EXPECT_EQ(recovery(Code::refused), Recovery::fix_rig);
    EXPECT_EQ(recovery(Code::interlock_open), Recovery::fix_rig);
    EXPECT_EQ(recovery(Code::calibration_expired), Recovery::fix_rig);
    EXPECT_EQ(recovery(Code::cancelled), Recovery::none);
}

TEST(Status, context_is_prefixed_to_the_message) {
    auto s = Status(Code::timeout, "no reply within 500 ms").with_context("dmm scpi-tcp://127.0.0.1:5025 READ?");
    EXPECT_EQ(s.describe(), "timeout: dmm scpi-tcp://127.0.0.1:5025 READ?: no reply within 500 ms");
    EXPECT_TRUE(Status::ok().with_context("x").is_ok());
}

TEST(Status, rig_try_returns_the_first_failure) {
    int out = 0;
    EXPECT_TRUE(quarter(8, out));
    EXPECT_EQ(out, 2);
    auto s = quarter(6, out);
    EXPECT_EQ(s.code(), Code::invalid_argument);
}

TEST(Status, result_holds_value_or_status) {
    Result<int> r = 4;
    EXPECT_TRUE(r);
    EXPECT_EQ(r.value_or(0), 4);
    Result<int> e = Status(Code::timeout, "t");
    EXPECT_FALSE(e);
    EXPECT_EQ(e.value_or(7), 7);
    EXPECT_EQ(e.status().code(), Code::timeout);
}
