// The Modbus server core without a wire: CRC on the known frames of protocols.md, the PDU
// handler with a RegisterMap, and the exception replies.
#include <gtest/gtest.h>

#include "sim/modbus.hpp"
#include "sim/register_map.hpp"

namespace rig::sim {
namespace {

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s += static_cast<char>(x);
    return s;
}

drivers::RegisterDef row(const char* name, drivers::RegisterTable t, int addr, bool w,
                         drivers::RegisterType type = drivers::RegisterType::u16, int channels = 0) {
    drivers::RegisterDef d;
    d.name = name;
    d.table = t;
    d.address = addr;
    d.writable = w;
    d.type = type;
    d.channels = channels;
    return d;
}

TEST(ModbusCore, crc_matches_the_known_frames_of_protocols_md) {
    EXPECT_EQ(append_crc(bytes({0x01, 0x06, 0x00, 0x08, 0x01, 0x4A})), bytes({0x01, 0x06, 0x00, 0x08, 0x01, 0x4A, 0x88, 0x6F}));
    EXPECT_EQ(append_crc(bytes({0x01, 0x06, 0x00, 0x12, 0x00, 0x01})), bytes({0x01, 0x06, 0x00, 0x12, 0x00, 0x01, 0xE8, 0x0F}));
    EXPECT_EQ(append_crc(bytes({0x01, 0x05, 0x00, 0x00, 0xFF, 0x00})), bytes({0x01, 0x05, 0x00, 0x00, 0xFF, 0x00, 0x8C, 0x3A}));
    EXPECT_EQ(append_crc(bytes({0x01, 0x05, 0x00, 0x00, 0x00, 0x00})), bytes({0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0xCD, 0xCA}));
}

TEST(ModbusCore, rtu_request_length_is_known_from_the_function_code) {
    EXPECT_EQ(rtu_request_length(bytes({0x01, 0x03})), 8);
    EXPECT_EQ(rtu_request_length(bytes({0x01, 0x10, 0, 0, 0, 2})), 0);  // byte count not yet here
    EXPECT_EQ(rtu_request_length(bytes({0x01, 0x10, 0, 0, 0, 2, 4})), 13);
    EXPECT_EQ(rtu_request_length(bytes({0x01, 0x2B})), -1);
}

class MapFixture : public ::testing::Test {
protected:
    MapFixture()
        : map({row("id", drivers::RegisterTable::holding, 0, false),
               row("big", drivers::RegisterTable::holding, 1, true, drivers::RegisterType::u32),
               row("set", drivers::RegisterTable::holding, 10, true, drivers::RegisterType::u16, 4),
               row("coil", drivers::RegisterTable::coil, 0, true, drivers::RegisterType::bit, 10)}) {
        EXPECT_TRUE(map.bind("id", [](int) { return 0xCE24; }).is_ok());
        EXPECT_TRUE(map.bind("big", [this](int) { return big; }, [this](int, double v) {
                           big = v;
                           return ModbusException::none;
                       }).is_ok());
        EXPECT_TRUE(map.bind("set", [this](int c) { return set[static_cast<size_t>(c - 1)]; }, [this](int c, double v) {
                           if (v > 1000) return ModbusException::illegal_value;
                           set[static_cast<size_t>(c - 1)] = v;
                           return ModbusException::none;
                       }).is_ok());
        EXPECT_TRUE(map.bind("coil", [this](int c) { return coils[static_cast<size_t>(c - 1)] ? 1.0 : 0.0; },
                             [this](int c, double v) {
                                 coils[static_cast<size_t>(c - 1)] = v != 0;
                                 return ModbusException::none;
                             }).is_ok());
        EXPECT_TRUE(map.check_bound().is_ok());
    }
    RegisterMap map;
    double big{0x12345678};
    std::vector<double> set = std::vector<double>(4, 0.0);
    std::vector<bool> coils = std::vector<bool>(10, false);
};

TEST_F(MapFixture, fc03_reads_words_and_32_bit_values_high_word_first) {
    EXPECT_EQ(modbus_answer(map, bytes({0x03, 0, 0, 0, 3})), bytes({0x03, 6, 0xCE, 0x24, 0x12, 0x34, 0x56, 0x78}));
}

TEST_F(MapFixture, fc10_writes_per_channel_rows) {
    EXPECT_EQ(modbus_answer(map, bytes({0x10, 0, 10, 0, 2, 4, 0, 7, 0, 9})), bytes({0x10, 0, 10, 0, 2}));
    EXPECT_EQ(set[0], 7);
    EXPECT_EQ(set[1], 9);
}

TEST_F(MapFixture, fc0f_and_fc01_move_bits_lsb_first) {
    EXPECT_EQ(modbus_answer(map, bytes({0x0F, 0, 0, 0, 10, 2, 0x05, 0x02})), bytes({0x0F, 0, 0, 0, 10}));
    EXPECT_TRUE(coils[0] && coils[2] && coils[9] && !coils[1]);
    EXPECT_EQ(modbus_answer(map, bytes({0x01, 0, 0, 0, 10})), bytes({0x01, 2, 0x05, 0x02}));
}

TEST_F(MapFixture, exceptions_01_02_03) {
    EXPECT_EQ(modbus_answer(map, bytes({0x2B, 0x0E, 1, 0})), bytes({0xAB, 0x01}));        // unknown function
    EXPECT_EQ(modbus_answer(map, bytes({0x03, 0, 50, 0, 1})), bytes({0x83, 0x02}));       // no register
    EXPECT_EQ(modbus_answer(map, bytes({0x06, 0, 0, 0, 1})), bytes({0x86, 0x02}));        // read-only
    EXPECT_EQ(modbus_answer(map, bytes({0x06, 0, 2, 0, 1})), bytes({0x86, 0x02}));        // half a u32
    EXPECT_EQ(modbus_answer(map, bytes({0x06, 0, 10, 0x27, 0x10})), bytes({0x86, 0x03}));  // setter refuses
    EXPECT_EQ(modbus_answer(map, bytes({0x03, 0, 0, 0, 0})), bytes({0x83, 0x03}));        // quantity 0
    EXPECT_EQ(modbus_answer(map, bytes({0x05, 0, 0, 0x12, 0x34})), bytes({0x85, 0x03}));  // FC05 bad value
}

TEST(ModbusCore, rtu_framing_ignores_other_slaves_and_bad_crc) {
    struct Dev : ModbusDevice {
        ModbusException read_bits(drivers::RegisterTable, int, int n, std::vector<bool>& o) override {
            o.assign(static_cast<size_t>(n), true);
            return ModbusException::none;
        }
        ModbusException read_words(drivers::RegisterTable, int, int, std::vector<std::uint16_t>&) override {
            return ModbusException::illegal_address;
        }
        ModbusException write_coils(int, const std::vector<bool>&) override { return ModbusException::none; }
        ModbusException write_holding(int, const std::vector<std::uint16_t>&) override { return ModbusException::none; }
    } dev;
    ModbusRtuFraming rtu(dev, 1);
    auto on = append_crc(bytes({0x01, 0x05, 0, 0, 0xFF, 0}));
    EXPECT_EQ(rtu.answer(on), on);
    EXPECT_EQ(rtu.answer(append_crc(bytes({0x02, 0x05, 0, 0, 0xFF, 0}))), "");
    auto bad = on;
    bad.back() = static_cast<char>(bad.back() ^ 1);
    EXPECT_EQ(rtu.answer(bad), "");
    std::string in = on + on.substr(0, 3);
    EXPECT_EQ(rtu.take_request(in), on);
    EXPECT_FALSE(rtu.take_request(in).has_value());
    EXPECT_EQ(in.size(), 3u);
}

}  // namespace
}  // namespace rig::sim
