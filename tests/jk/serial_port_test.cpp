// SerialPort (drivers/transport/serial_port.hpp) on a real pseudo-terminal: the test holds
// the master side and plays the instrument.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "drivers/transport/serial_port.hpp"
#include "tests/jk/pty_pair.hpp"

using namespace rig;
using namespace rig::drivers;
using namespace std::chrono_literals;

namespace {

Connection serial(const std::string& dev, const std::string& rest = ":9600:8N1") {
    return *parse_connection("serial:" + dev + rest);
}

}  // namespace

TEST(SerialPort, writes_and_reads_bytes_through_a_pty) {
    PtyPair pty;
    auto port = SerialPort::open(serial(pty.path));
    ASSERT_TRUE(port) << port.status().describe();
    EXPECT_EQ((*port)->device(), pty.path);
    ASSERT_TRUE((*port)->write_all(std::string_view("\x55\xAA\x01\xFF\x00\x00\xFF", 7), 1s));
    EXPECT_EQ(pty.receive(7), std::string("\x55\xAA\x01\xFF\x00\x00\xFF", 7));
    pty.send("abc");
    auto r = (*port)->read_exact(3, 2s);
    ASSERT_TRUE(r) << r.status().describe();
    EXPECT_EQ(std::string(r->begin(), r->end()), "abc");
}

TEST(SerialPort, read_line_keeps_what_follows_the_terminator) {
    PtyPair pty;
    auto port = SerialPort::open(serial(pty.path, ":115200:8E1"));
    ASSERT_TRUE(port) << port.status().describe();
    pty.send("first\nsecond\nthi");
    EXPECT_EQ(*(*port)->read_line('\n', 2s), "first");
    EXPECT_EQ(*(*port)->read_line('\n', 2s), "second");
    pty.send("rd\n");
    EXPECT_EQ(*(*port)->read_line('\n', 2s), "third");
}

TEST(SerialPort, timeout_names_the_device_and_quotes_what_came) {
    PtyPair pty;
    auto port = SerialPort::open(serial(pty.path));
    ASSERT_TRUE(port);
    pty.send(std::string("\xEB\x90", 2));
    auto r = (*port)->read_exact(74, 200ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::timeout);
    EXPECT_NE(r.status().message().find(pty.path), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("got 2: EB 90"), std::string::npos) << r.status().message();
    auto l = (*port)->read_line('\n', 100ms);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.status().code(), Code::timeout);
}

TEST(SerialPort, flush_input_drops_stale_bytes) {
    PtyPair pty;
    auto port = SerialPort::open(serial(pty.path));
    ASSERT_TRUE(port);
    pty.send("stale");
    ::usleep(20000);
    (*port)->flush_input();
    pty.send("x");
    auto r = (*port)->read_exact(1, 1s);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[0], 'x');
}

TEST(SerialPort, missing_device_or_odd_baud_is_an_error_naming_it) {
    auto missing = SerialPort::open(serial("/dev/does-not-exist"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.status().code(), Code::disconnected);
    EXPECT_NE(missing.status().message().find("/dev/does-not-exist"), std::string::npos);
    PtyPair pty;
    auto odd = SerialPort::open(serial(pty.path, ":12345"));
    ASSERT_FALSE(odd);
    EXPECT_EQ(odd.status().code(), Code::invalid_argument);
    auto not_tty = SerialPort::open(serial("/dev/null"));
    ASSERT_FALSE(not_tty);
    EXPECT_EQ(not_tty.status().code(), Code::io_error);
}

TEST(SerialPort, a_closed_pty_reads_as_disconnected) {
    auto pty = std::make_unique<PtyPair>();
    auto port = SerialPort::open(serial(pty->path));
    ASSERT_TRUE(port);
    pty.reset();
    std::uint8_t b[8];
    auto r = (*port)->read_some(b, 500ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::disconnected) << r.status().describe();
}
