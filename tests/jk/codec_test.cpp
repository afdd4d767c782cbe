// Known bytes of the JK wire formats (protocols.md §1-§2): every example frame decodes to
// what the document says and encodes back byte for byte, checksums included.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "drivers/jk/codec/can.hpp"
#include "drivers/jk/codec/rs485.hpp"
#include "drivers/jk/codec/slcan.hpp"

using namespace rig;
using namespace rig::jk;

namespace {

std::vector<std::uint8_t> bytes(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::uint8_t> out;
    std::string b;
    while (in >> b) out.push_back(static_cast<std::uint8_t>(std::stoul(b, nullptr, 16)));
    return out;
}

template <class C>
std::vector<std::uint8_t> vec(const C& c) {
    return {c.begin(), c.end()};
}

// The real 17-cell unit's read-all answer quoted in protocols.md §1.
std::vector<std::uint8_t> real_17_cell_answer() {
    return bytes(
        "EB 90 01 FF 16 11 0C FB 11 0E 00 00 01 00 03 00 00 00 0B 07 D0 01 11 "
        "0C F9 0C FB 0C FB 0C FB 0C FB 0C FC 0C FB 0C FB 0C FB 0C FC 0C FB 0C FB 0C FB 0C FB 0C FC 0C FB 0C FB "
        "00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 A3 DB");
}

}  // namespace

TEST(JkRs485Codec, read_all_request_matches_the_documented_frame) {
    EXPECT_EQ(vec(rs485::encode_request({1, 0xFF, 0})), bytes("55 AA 01 FF 00 00 FF"));
}

TEST(JkRs485Codec, set_requests_match_the_documented_frames) {
    EXPECT_EQ(vec(rs485::encode_request({1, 0xF0, 16})), bytes("55 AA 01 F0 00 10 00"));
    EXPECT_EQ(vec(rs485::encode_request({1, 0xF2, 10})), bytes("55 AA 01 F2 00 0A FC"));
    EXPECT_EQ(vec(rs485::encode_request({1, 0xF4, 500})), bytes("55 AA 01 F4 01 F4 E9"));
    EXPECT_EQ(vec(rs485::encode_request({1, 0xF6, 1})), bytes("55 AA 01 F6 00 01 F7"));
}

TEST(JkRs485Codec, documented_requests_decode_to_their_fields) {
    auto r = rs485::decode_request(bytes("55 AA 01 F4 01 F4 E9"));
    ASSERT_TRUE(r) << r.status().describe();
    EXPECT_EQ(*r, (rs485::Request{1, 0xF4, 500}));
}

TEST(JkRs485Codec, request_with_bad_checksum_is_bad_reply_quoting_the_bytes) {
    auto r = rs485::decode_request(bytes("55 AA 01 FF 00 00 FE"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::bad_reply);
    EXPECT_NE(r.status().message().find("checksum expected FF got FE"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("55 AA 01 FF 00 00 FE"), std::string::npos);
}

TEST(JkRs485Codec, real_17_cell_answer_is_74_bytes_with_a_valid_checksum) {
    auto b = real_17_cell_answer();
    ASSERT_EQ(b.size(), rs485::kResponseSize);
    EXPECT_EQ(sum8(std::span(b).first(73)), 0xDB);
}

TEST(JkRs485Codec, real_17_cell_answer_decodes_to_the_documented_values) {
    auto r = rs485::decode_read_all(real_17_cell_answer());
    ASSERT_TRUE(r) << r.status().describe();
    const auto& s = r->status;
    EXPECT_EQ(r->address, 1);
    EXPECT_EQ(s.total_10mV, 5649);  // 56.49 V
    EXPECT_EQ(s.average_mV, 3323);
    EXPECT_EQ(s.detected_cells, 17);
    EXPECT_EQ(s.highest_cell, 14);
    EXPECT_EQ(s.lowest_cell, 0);
    EXPECT_FALSE(s.charging);
    EXPECT_FALSE(s.discharging);
    EXPECT_TRUE(s.alarm_cell_count);  // byte 12 = 01
    EXPECT_FALSE(s.alarm_lead_resistance);
    EXPECT_FALSE(s.alarm_overvoltage);
    EXPECT_EQ(s.max_delta_mV, 3);
    EXPECT_EQ(s.balance_current_mA, 0);
    EXPECT_EQ(s.trigger_mV, 11);
    EXPECT_EQ(s.max_balance_current_mA, 2000);
    EXPECT_TRUE(s.balancing_switch);
    EXPECT_EQ(s.configured_cells, 17);
    EXPECT_EQ(s.cells_mV[0], 3321);
    EXPECT_EQ(s.cells_mV[5], 3324);
    EXPECT_EQ(s.cells_mV[14], 3324);
    EXPECT_EQ(s.cells_mV[16], 3323);
    for (int k = 17; k < kMaxCells; ++k) EXPECT_EQ(s.cells_mV[static_cast<std::size_t>(k)], 0) << k;
    EXPECT_NEAR(s.temperature_C, 16.3, 1e-9);
}

TEST(JkRs485Codec, real_17_cell_answer_reencodes_byte_for_byte) {
    auto b = real_17_cell_answer();
    auto r = rs485::decode_read_all(b);
    ASSERT_TRUE(r);
    EXPECT_EQ(vec(rs485::encode_read_all(r->address, r->status)), b);
}

TEST(JkRs485Codec, temperature_scale_is_a_parameter) {
    auto r = rs485::decode_read_all(real_17_cell_answer(), 1.0);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status.temperature_C, 163.0);
    BalancerStatus s;
    s.temperature_C = -5.5;
    auto b = rs485::encode_read_all(1, s);
    EXPECT_EQ(b[71], 0xFF);
    EXPECT_EQ(b[72], 0xC9);  // -55 at 0.1 °C
    EXPECT_NEAR(rs485::decode_read_all(b)->status.temperature_C, -5.5, 1e-9);
}

TEST(JkRs485Codec, read_all_with_bad_checksum_says_expected_and_got) {
    auto b = real_17_cell_answer();
    b[73] = 0xDC;
    auto r = rs485::decode_read_all(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::bad_reply);
    EXPECT_NE(r.status().message().find("checksum expected DB got DC"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("EB 90 01 FF 16 11"), std::string::npos);
}

TEST(JkRs485Codec, read_all_with_bad_header_or_length_is_bad_reply) {
    auto b = real_17_cell_answer();
    b[0] = 0xEA;
    auto h = rs485::decode_read_all(b);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.status().code(), Code::bad_reply);
    EXPECT_NE(h.status().message().find("header EA 90"), std::string::npos) << h.status().message();

    auto short_one = real_17_cell_answer();
    short_one.resize(60);
    auto l = rs485::decode_read_all(short_one);
    ASSERT_FALSE(l);
    EXPECT_NE(l.status().message().find("length 60 (expected 74)"), std::string::npos) << l.status().message();
}

TEST(JkRs485Codec, set_reply_round_trips_and_carries_the_stored_value) {
    rs485::SetReply r{1, 0xF4, 500};
    auto b = rs485::encode_set_reply(r);
    EXPECT_EQ(b[0], 0xEB);
    EXPECT_EQ(b[4], 0x01);
    EXPECT_EQ(b[5], 0xF4);
    for (std::size_t i = 6; i < 73; ++i) EXPECT_EQ(b[i], 0) << i;
    EXPECT_EQ(b[73], sum8(std::span(b).first(73)));
    auto d = rs485::decode_set_reply(b);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, r);
}

TEST(JkRs485Codec, set_reply_decoder_refuses_a_read_all_answer) {
    auto d = rs485::decode_set_reply(real_17_cell_answer());
    ASSERT_FALSE(d);
    EXPECT_EQ(d.status().code(), Code::bad_reply);
}

namespace {
BalancerStatus sample_status() {
    BalancerStatus s;
    s.total_10mV = 7932;
    s.average_mV = 3305;
    s.detected_cells = 24;
    s.highest_cell = 4;
    s.lowest_cell = 8;
    s.charging = true;
    s.discharging = true;
    s.alarm_lead_resistance = true;
    s.max_delta_mV = 50;
    s.balance_current_mA = 2000;
    s.trigger_mV = 10;
    s.max_balance_current_mA = 2000;
    s.balancing_switch = true;
    s.configured_cells = 24;
    for (int k = 0; k < kMaxCells; ++k) s.cells_mV[static_cast<std::size_t>(k)] = static_cast<std::uint16_t>(3300 + k);
    s.temperature_C = 25.0;
    return s;
}
}  // namespace

TEST(JkCanCodec, read_request_is_FF_on_the_address_id) {
    auto f = can::encode_read_request(1);
    EXPECT_EQ(f.id, 1u);
    EXPECT_EQ(f.dlc, 8);
    EXPECT_EQ(f.data, (std::array<std::uint8_t, 8>{0xFF, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(JkCanCodec, status_burst_has_the_documented_layout) {
    auto frames = can::encode_status(1, sample_status());
    ASSERT_EQ(frames.size(), 11u);
    // 01: temperature i16 °C, total (10 mV), average (mV), detected.
    EXPECT_EQ(frames[0].data, (std::array<std::uint8_t, 8>{0x01, 0x00, 0x19, 0x1E, 0xFC, 0x0C, 0xE9, 24}));
    // 02: highest, lowest, status (bit0 charging, bit1 discharging, bit5 lead resistance), delta, current.
    EXPECT_EQ(frames[1].data, (std::array<std::uint8_t, 8>{0x02, 4, 8, 0x23, 0x00, 0x32, 0x07, 0xD0}));
    // 03: trigger, max current, switch, configured.
    EXPECT_EQ(frames[2].data, (std::array<std::uint8_t, 8>{0x03, 0x00, 0x0A, 0x07, 0xD0, 1, 24, 0}));
    // 04: first index, three cells.
    EXPECT_EQ(frames[3].data, (std::array<std::uint8_t, 8>{0x04, 0, 0x0C, 0xE4, 0x0C, 0xE5, 0x0C, 0xE6}));
    EXPECT_EQ(frames[10].data[1], 21);
    for (auto& f : frames) EXPECT_EQ(f.id, 1u);
}

TEST(JkCanCodec, burst_reassembles_into_the_same_status_in_any_order) {
    auto s = sample_status();
    auto frames = can::encode_status(1, s);
    std::reverse(frames.begin(), frames.end());
    can::StatusAssembler a(1);
    drivers::CanFrame other = frames[0];
    other.id = 2;  // another balancer on the bus
    auto used = a.feed(other);
    ASSERT_TRUE(used);
    EXPECT_FALSE(*used);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        EXPECT_FALSE(a.complete());
        ASSERT_TRUE(a.feed(frames[i]));
    }
    ASSERT_TRUE(a.complete());
    s.alarm_overvoltage = false;  // not carried on CAN
    EXPECT_EQ(a.status(), s);
}

TEST(JkCanCodec, incomplete_burst_says_what_is_missing) {
    auto frames = can::encode_status(1, sample_status());
    can::StatusAssembler a(1);
    for (std::size_t i = 0; i < frames.size() - 1; ++i) ASSERT_TRUE(a.feed(frames[i]));
    EXPECT_FALSE(a.complete());
    EXPECT_EQ(a.missing(), "cells 21-23");
}

TEST(JkCanCodec, cell_frame_with_impossible_index_is_bad_reply) {
    auto frames = can::encode_status(1, sample_status());
    frames[3].data[1] = 0x55;
    can::StatusAssembler a(1);
    auto r = a.feed(frames[3]);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::bad_reply);
    EXPECT_NE(r.status().message().find("first index 85"), std::string::npos) << r.status().message();
}

TEST(JkCanCodec, writes_and_echoes_have_the_documented_bytes) {
    auto f0 = can::encode_write({1, Command::set_cell_count, 16});
    EXPECT_EQ(f0.data, (std::array<std::uint8_t, 8>{0xF0, 0x10, 0, 0, 0, 0, 0, 0}));
    auto f2 = can::encode_write({1, Command::set_trigger, 10});
    EXPECT_EQ(f2.data, (std::array<std::uint8_t, 8>{0xF2, 0x00, 0x0A, 0, 0, 0, 0, 0}));
    auto f4 = can::encode_write({1, Command::set_max_current, 500});
    EXPECT_EQ(f4.data, (std::array<std::uint8_t, 8>{0xF4, 0x01, 0xF4, 0, 0, 0, 0, 0}));
    auto f6 = can::encode_write({1, Command::set_switch, 1});
    EXPECT_EQ(f6.data, (std::array<std::uint8_t, 8>{0xF6, 0x01, 0, 0, 0, 0, 0, 0}));
    auto e = can::encode_echo({1, Command::set_max_current, 500});
    EXPECT_EQ(e.data, (std::array<std::uint8_t, 8>{0xF5, 0x01, 0xF4, 0, 0, 0, 0, 0}));
    auto d = can::decode_echo(e);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (can::Write{1, Command::set_max_current, 500}));
    auto w = can::decode_write(f0);
    ASSERT_TRUE(w);
    EXPECT_EQ(*w, (can::Write{1, Command::set_cell_count, 16}));
    EXPECT_FALSE(can::decode_echo(f2));  // a write is not an echo
}

TEST(SlcanCodec, frame_lines_match_the_lawicel_format) {
    auto f = can::encode_read_request(1);
    EXPECT_EQ(slcan::encode_frame(f), "t0018FF00000000000000");
    auto d = slcan::decode_frame("t0018FF00000000000000");
    ASSERT_TRUE(d) << d.status().describe();
    EXPECT_EQ(d->id, 1u);
    EXPECT_EQ(d->dlc, 8);
    EXPECT_EQ(d->data, f.data);
    auto short_frame = slcan::decode_frame("t7FF2ABCD");
    ASSERT_TRUE(short_frame);
    EXPECT_EQ(short_frame->id, 0x7FFu);
    EXPECT_EQ(short_frame->dlc, 2);
    EXPECT_EQ(short_frame->data[1], 0xCD);
}

TEST(SlcanCodec, malformed_lines_are_bad_reply_naming_the_line) {
    for (const char* line : {"", "x", "t00", "t0019", "t0011ZZ", "T000000018FF00000000000000", "t8001FF"}) {
        auto d = slcan::decode_frame(line);
        ASSERT_FALSE(d) << line;
        EXPECT_EQ(d.status().code(), Code::bad_reply);
        EXPECT_NE(d.status().message().find(std::string("\"") + line + "\""), std::string::npos)
            << d.status().message();
    }
}

TEST(SlcanCodec, bit_rate_commands_follow_the_S0_to_S8_table) {
    EXPECT_EQ(*slcan::bitrate_command(250000), "S5");
    EXPECT_EQ(*slcan::bitrate_command(500000), "S6");
    EXPECT_EQ(*slcan::bitrate_command(1000000), "S8");
    EXPECT_EQ(*slcan::bitrate_command(10000), "S0");
    EXPECT_FALSE(slcan::bitrate_command(300000));
    EXPECT_EQ(*slcan::bitrate_of("S5"), 250000);
    EXPECT_FALSE(slcan::bitrate_of("S9"));
}
