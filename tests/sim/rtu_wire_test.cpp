// The Modbus RTU twins on pseudo-terminals: the Waveshare-compatible relay board and the
// Riden RD6018, with libmodbus as the client and with the raw known bytes of protocols.md.
#include "bench_helper.hpp"
#include "drivers/model.hpp"
#include "sim/modbus.hpp"

namespace rig::sim::test {
namespace {

class Relays : public ::testing::Test {
protected:
    Bench b{"virtual.toml"};
};

TEST_F(Relays, known_frames_switch_relay_0_and_echo_exactly) {
    RawLine line(b.conn("rly").device);
    auto on = bytes({0x01, 0x05, 0x00, 0x00, 0xFF, 0x00, 0x8C, 0x3A});
    auto off = bytes({0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0xCD, 0xCA});
    EXPECT_EQ(line.exchange(on, on.size()), on);
    EXPECT_EQ(line.exchange(off, off.size()), off);
}

TEST_F(Relays, libmodbus_switches_reads_relays_and_inputs) {
    ModbusCtx m(b.conn("rly"));
    ASSERT_EQ(modbus_write_bit(m, 3, 1), 1) << modbus_strerror(errno);
    uint8_t st[8];
    ASSERT_EQ(modbus_read_bits(m, 0, 8, st), 8);
    EXPECT_EQ(st[3], 1);
    EXPECT_EQ(st[2], 0);
    uint8_t all[8] = {1, 0, 1, 0, 1, 0, 1, 0};
    ASSERT_EQ(modbus_write_bits(m, 0, 8, all), 8);
    ASSERT_EQ(modbus_read_bits(m, 0, 8, st), 8);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(st[i], all[i]);

    uint8_t in[8];
    ASSERT_EQ(modbus_read_input_bits(m, 0, 8, in), 8);
    EXPECT_EQ(in[0], 1) << "the interlock input starts at its closed level";
    b.set("relays.input.0", "false");
    ASSERT_EQ(modbus_read_input_bits(m, 0, 8, in), 8);
    EXPECT_EQ(in[0], 0);
}

TEST_F(Relays, toggle_and_all_relays_coil) {
    RawLine line(b.conn("rly").device);
    auto all_on = append_crc(bytes({0x01, 0x05, 0x00, 0xFF, 0xFF, 0x00}));
    EXPECT_EQ(line.exchange(all_on, all_on.size()), all_on);
    auto toggle1 = append_crc(bytes({0x01, 0x05, 0x00, 0x01, 0x55, 0x00}));
    EXPECT_EQ(line.exchange(toggle1, toggle1.size()), toggle1);
    auto read = append_crc(bytes({0x01, 0x01, 0x00, 0x00, 0x00, 0x08}));
    EXPECT_EQ(line.exchange(read, 6), append_crc(bytes({0x01, 0x01, 0x01, 0xFD})));
}

TEST_F(Relays, corrupt_pct_100_gives_a_bad_crc) {
    b.set("rly.corrupt_pct", "100");
    ModbusCtx m(b.conn("rly"));
    uint8_t st[8];
    EXPECT_EQ(modbus_read_bits(m, 0, 8, st), -1);
    EXPECT_EQ(errno, EMBBADCRC) << modbus_strerror(errno);
}

TEST_F(Relays, stuck_output_echoes_but_relays_do_not_move) {
    b.set("relays.stuck_output", "true");
    ModbusCtx m(b.conn("rly"));
    ASSERT_EQ(modbus_write_bit(m, 5, 1), 1);
    uint8_t st[8];
    ASSERT_EQ(modbus_read_bits(m, 0, 8, st), 8);
    EXPECT_EQ(st[5], 0);
}

TEST_F(Relays, disconnect_after_s_silences_the_line_until_cleared) {
    b.set("rly.disconnect_after_s", "0.1");
    {
        ModbusCtx m(b.conn("rly"), 0.3);
        uint8_t st[8];
        EXPECT_TRUE(eventually([&] { return modbus_read_bits(m, 0, 8, st) == -1 && errno == ETIMEDOUT; }));
    }
    b.set("rly.disconnect_after_s", "0");
    ModbusCtx m(b.conn("rly"));
    uint8_t st[8];
    EXPECT_EQ(modbus_read_bits(m, 0, 8, st), 8);
}

class Riden : public ::testing::Test {
protected:
    Bench b{"virtual-riden.toml"};
};

TEST_F(Riden, identity_and_the_known_set_voltage_frame) {
    auto c = b.conn("psu");
    EXPECT_EQ(c.baud, 115200);
    {
        ModbusCtx m(c);
        uint16_t r[4];
        ASSERT_EQ(modbus_read_registers(m, 0, 4, r), 4) << modbus_strerror(errno);
        EXPECT_EQ(r[0], 60181);
        EXPECT_EQ((uint32_t(r[1]) << 16) | r[2], 18001u);
        EXPECT_EQ(r[3], 128);
    }
    RawLine line(c.device);
    auto set = bytes({0x01, 0x06, 0x00, 0x08, 0x01, 0x4A, 0x88, 0x6F});  // register 8 = 330
    EXPECT_EQ(line.exchange(set, set.size()), set);
    auto on = bytes({0x01, 0x06, 0x00, 0x12, 0x00, 0x01, 0xE8, 0x0F});
    EXPECT_EQ(line.exchange(on, on.size()), on);
    // Registers 8..18 in one read: V set 3.30 V, V out 3.30 V (output on), output 1.
    auto read = append_crc(bytes({0x01, 0x03, 0x00, 0x08, 0x00, 0x0B}));
    auto reply = line.exchange(read, 5 + 22);
    ASSERT_EQ(reply.size(), 27u);
    auto reg = [&](int a) { return (uint8_t(reply[3 + 2 * (a - 8)]) << 8) | uint8_t(reply[4 + 2 * (a - 8)]); };
    EXPECT_EQ(reg(8), 330);
    EXPECT_EQ(reg(10), 330);
    EXPECT_EQ(reg(14), 6200);
    EXPECT_EQ(reg(18), 1);
}

TEST_F(Riden, out_of_range_setpoint_is_illegal_value) {
    ModbusCtx m(b.conn("psu"));
    EXPECT_EQ(modbus_write_register(m, 8, 6001), -1);  // 60.01 V
    EXPECT_EQ(errno, EMBXILVAL);
    EXPECT_EQ(modbus_write_register(m, 10, 1), -1);  // V out is read-only
    EXPECT_EQ(errno, EMBXILADD);
}

// The drivers' model file against the twin's independent map: every row of
// riden-rd6018.toml must exist on the twin with the same access, and the identity must match.
TEST_F(Riden, drivers_model_file_agrees_with_the_twin_row_by_row) {
    auto path = find_model_file({default_model_dir()}, "riden-rd6018");
    if (path.empty()) GTEST_SKIP() << "no riden-rd6018.toml yet";
    auto model = drivers::load_model(path);
    ModbusCtx m(b.conn("psu"));
    for (auto& r : model.registers) {
        ASSERT_EQ(r.table, drivers::RegisterTable::holding) << r.name;
        std::vector<uint16_t> w(static_cast<size_t>(r.words()));
        ASSERT_EQ(modbus_read_registers(m, r.address, r.words(), w.data()), r.words())
            << r.name << " @" << r.address << ": " << modbus_strerror(errno);
        if (r.name == model.identity_register) {
            EXPECT_NE(std::find(model.identity_values.begin(), model.identity_values.end(), long(w[0])),
                      model.identity_values.end());
        }
        // Writing the value it holds back: accepted where the file says rw, refused where r.
        int rc = r.words() == 1 ? modbus_write_register(m, r.address, w[0])
                                : modbus_write_registers(m, r.address, r.words(), w.data());
        if (r.writable) {
            EXPECT_EQ(rc, r.words() == 1 ? 1 : r.words()) << r.name << ": " << modbus_strerror(errno);
        } else {
            EXPECT_EQ(rc, -1) << r.name << " is read-only in the file but writable on the twin";
        }
    }
}

}  // namespace
}  // namespace rig::sim::test
