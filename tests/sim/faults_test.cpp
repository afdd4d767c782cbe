// Every wire fault on every twin, table-driven, over the twin's real transport with raw
// bytes: for each twin one known request and what an intact reply looks like, and for each
// fault (no_reply, delay_ms, corrupt_pct, disconnect_after_s) that it changes exactly what it
// names: no reply at all / the same intact reply, only later / a complete reply that fails
// its check / the connection closed (TCP) or the line silent (serial), and back to normal
// when cleared. stuck_output is in twin_state_test.cpp (it is about outputs, not the wire).
#include "bench_helper.hpp"
#include "drivers/jk/codec/rs485.hpp"
#include "sim/modbus.hpp"

namespace rig::sim::test {
namespace {

struct Probe {
    const char* twin;     // test name part
    const char* fixture;
    const char* id;       // instrument id (also the settings prefix)
    std::function<std::string()> request;
    std::function<bool(const std::string&)> complete;  // a whole reply is in
    std::function<bool(const std::string&)> intact;    // ... and it is the right one
    bool powers_dut{false};                            // the DUT answers only when powered
};

bool rtu_crc_ok(const std::string& f) {
    return f.size() >= 4 && crc16(std::string_view(f).substr(0, f.size() - 2)) ==
                                (static_cast<unsigned char>(f[f.size() - 2]) |
                                 (static_cast<unsigned char>(f[f.size() - 1]) << 8));
}
auto length_at_least(size_t n) {
    return [n](const std::string& in) { return in.size() >= n; };
}
bool has_line(const std::string& in) { return in.find('\n') != std::string::npos; }

const std::vector<Probe>& probes() {
    static const std::vector<Probe> p = {
        {"emulator", "virtual.toml", "emu",
         [] { return bytes({0x00, 0x2A, 0, 0, 0, 6, 1, 0x03, 0, 0, 0, 1}); },  // tid 42, holding 0
         [](const std::string& in) {
             return in.size() >= 6 &&
                    in.size() >= 6u + ((static_cast<unsigned char>(in[4]) << 8) | static_cast<unsigned char>(in[5]));
         },
         [](const std::string& in) { return in == bytes({0x00, 0x2A, 0, 0, 0, 5, 1, 0x03, 2, 0xCE, 0x24}); }},
        {"supply", "virtual.toml", "psu", [] { return std::string("*IDN?\n"); }, has_line,
         [](const std::string& in) { return in == "JK-RIG,PSU-120,PSU120-0001,1.0\n"; }},
        {"meter", "virtual.toml", "dmm", [] { return std::string("*IDN?\n"); }, has_line,
         [](const std::string& in) { return in == "JK-RIG,DMM-6,DMM6-0001,1.0\n"; }},
        {"relays", "virtual.toml", "rly", [] { return append_crc(bytes({0x01, 0x01, 0, 0, 0, 8})); },
         length_at_least(6), [](const std::string& in) { return in.size() == 6 && rtu_crc_ok(in) && in[1] == 0x01; }},
        {"riden", "virtual-riden.toml", "psu", [] { return append_crc(bytes({0x01, 0x03, 0, 0, 0, 1})); },
         length_at_least(7),
         [](const std::string& in) { return in.size() == 7 && rtu_crc_ok(in) && in.substr(3, 2) == bytes({0xEB, 0x15}); }},
        {"dut_rs485", "virtual.toml", "jk", [] { return bytes({0x55, 0xAA, 0x01, 0xFF, 0x00, 0x00, 0xFF}); },
         length_at_least(jk::rs485::kResponseSize),
         [](const std::string& in) {
             auto b = std::span(reinterpret_cast<const std::uint8_t*>(in.data()), in.size());
             return in.size() == jk::rs485::kResponseSize && jk::rs485::check_response(b).is_ok();
         },
         true},
    };
    return p;
}

enum class Fault { no_reply, delay_ms, corrupt_pct, disconnect_after_s };
const char* name(Fault f) {
    switch (f) {
        case Fault::no_reply: return "no_reply";
        case Fault::delay_ms: return "delay_ms";
        case Fault::corrupt_pct: return "corrupt_pct";
        case Fault::disconnect_after_s: return "disconnect_after_s";
    }
    return "?";
}

// B+ on, 24 cells at 3.3 V, B+ and comms relays closed: the DUT twin powers up and listens.
void power_dut(Bench& b) {
    ModbusCtx emu(b.conn("emu"));
    emulator_cells_on(emu, 3.3);
    ScpiClient psu(b.conn("psu"));
    psu.send("VOLT 48");
    psu.send("OUTP ON");
    ASSERT_EQ(psu.query("*OPC?"), "1");
    ModbusCtx rly(b.conn("rly"));
    ASSERT_EQ(modbus_write_bit(rly, 0, 1), 1);
    ASSERT_EQ(modbus_write_bit(rly, 1, 1), 1);
}

class EveryWireFault : public ::testing::TestWithParam<std::tuple<int, Fault>> {
protected:
    const Probe& p = probes()[static_cast<size_t>(std::get<0>(GetParam()))];
    Fault fault = std::get<1>(GetParam());

    // One request on `line`: what came back within `ms`.
    RawLine::Received ask(RawLine& line, int ms) {
        line.send(p.request());
        RawLine::Received r;
        line.receive(r, p.complete, ms);
        return r;
    }
    bool answers(Bench& b) {  // polled by eventually(): a short wait per try
        RawLine line(b.conn(p.id));
        auto r = ask(line, 1000);
        return p.intact(r.bytes);
    }
    void set(Bench& b, const char* value) { b.set(std::string(p.id) + "." + name(fault), value); }
};

TEST_P(EveryWireFault, changes_exactly_what_it_names_and_clears) {
    Bench b(p.fixture);
    if (p.powers_dut) power_dut(b);
    ASSERT_TRUE(eventually([&] { return answers(b); })) << p.twin << " does not answer without a fault";

    switch (fault) {
        case Fault::no_reply: {
            set(b, "true");
            RawLine line(b.conn(p.id));
            auto r = ask(line, 400);
            EXPECT_TRUE(r.bytes.empty()) << "no_reply answered";
            EXPECT_FALSE(r.closed) << "no_reply is not a dropped connection";
            break;
        }
        case Fault::delay_ms: {
            set(b, "600");
            RawLine line(b.conn(p.id));
            auto r = ask(line, 100);
            EXPECT_TRUE(r.bytes.empty()) << "a 600 ms delay answered within 100 ms";
            line.receive(r, p.complete, 10000);
            EXPECT_TRUE(p.intact(r.bytes)) << "the late reply is the intact one";
            break;
        }
        case Fault::corrupt_pct: {
            set(b, "100");
            RawLine line(b.conn(p.id));
            auto r = ask(line, 3000);
            EXPECT_TRUE(p.complete(r.bytes)) << "a corrupted reply still arrives whole";
            EXPECT_FALSE(p.intact(r.bytes)) << "corrupt_pct=100 left a reply intact";
            break;
        }
        case Fault::disconnect_after_s: {
            RawLine line(b.conn(p.id));
            set(b, "0.2");
            // TCP: the twin closes the connection; serial: the line goes silent.
            EXPECT_TRUE(eventually([&] {
                auto r = ask(line, 300);
                return r.closed || r.bytes.empty();
            })) << "still answering after disconnect_after_s";
            break;
        }
    }
    set(b, fault == Fault::no_reply ? "false" : "0");
    EXPECT_TRUE(eventually([&] { return answers(b); })) << "clearing " << name(fault) << " restores replies";
}

INSTANTIATE_TEST_SUITE_P(
    Twins, EveryWireFault,
    ::testing::Combine(::testing::Range(0, static_cast<int>(probes().size())),
                       ::testing::Values(Fault::no_reply, Fault::delay_ms, Fault::corrupt_pct,
                                         Fault::disconnect_after_s)),
    [](const ::testing::TestParamInfo<EveryWireFault::ParamType>& i) {
        return std::string(probes()[static_cast<size_t>(std::get<0>(i.param))].twin) + "_" + name(std::get<1>(i.param));
    });

}  // namespace
}  // namespace rig::sim::test
