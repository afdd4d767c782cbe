#include <gtest/gtest.h>

#include "rig/core/connection.hpp"

using namespace rig;

TEST(Connection, tcp_schemes_have_host_and_port) {
    auto c = parse_connection("modbus-tcp://127.0.0.1:1502?unit=3");
    ASSERT_TRUE(c) << c.status().message();
    EXPECT_EQ(c->scheme, "modbus-tcp");
    EXPECT_EQ(c->host, "127.0.0.1");
    EXPECT_EQ(c->port, 1502);
    EXPECT_EQ(c->param_int("unit", 1), 3);
    EXPECT_TRUE(c->is_tcp());
    EXPECT_EQ(c->str(), "modbus-tcp://127.0.0.1:1502?unit=3");
}

TEST(Connection, serial_schemes_have_device_baud_and_frame) {
    auto c = parse_connection("modbus-rtu:/dev/ttyUSB0:115200:8E1?slave=2");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->device, "/dev/ttyUSB0");
    EXPECT_EQ(c->baud, 115200);
    EXPECT_EQ(c->parity, 'E');
    EXPECT_EQ(c->param_int("slave", 1), 2);
    EXPECT_TRUE(c->is_serial());
    auto d = parse_connection("serial:pty");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->baud, 9600);
    EXPECT_EQ(parse_connection("slcan:/dev/ttyACM0")->baud, 115200);
}

TEST(Connection, can_and_gpio_name_an_interface) {
    EXPECT_EQ(parse_connection("socketcan:vcan0")->device, "vcan0");
    EXPECT_EQ(parse_connection("gpio:gpiochip0")->device, "gpiochip0");
}

TEST(Connection, round_trips_through_str) {
    for (auto s : {"scpi-tcp://10.0.0.5:5025", "serial:/dev/pts/3:9600:8N1", "slcan:/dev/pts/4:115200?bitrate=250000",
                   "socketcan:can0", "simctl-tcp://127.0.0.1:0"}) {
        auto c = parse_connection(s);
        ASSERT_TRUE(c) << s;
        EXPECT_EQ(c->str(), s);
    }
}

TEST(Connection, errors_say_which_part_is_wrong) {
    EXPECT_NE(parse_connection("modbus-tcp://127.0.0.1").status().message().find("HOST:PORT"), std::string::npos);
    EXPECT_NE(parse_connection("modbus-tcp://h:70000").status().message().find("port '70000'"), std::string::npos);
    EXPECT_NE(parse_connection("serial:/dev/ttyS0:fast").status().message().find("baud rate 'fast'"), std::string::npos);
    EXPECT_NE(parse_connection("serial:/dev/ttyS0:9600:9X1").status().message().find("frame format"), std::string::npos);
    EXPECT_NE(parse_connection("rs485:/dev/ttyS0").status().message().find("unknown scheme 'rs485'"), std::string::npos);
    EXPECT_NE(parse_connection("ttyS0").status().message().find("missing scheme"), std::string::npos);
}
