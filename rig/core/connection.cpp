#include "rig/core/connection.hpp"

#include <charconv>
#include <set>

namespace rig {
namespace {

bool to_int(std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

Status bad(std::string_view text, const std::string& why) {
    return Status(Code::invalid_argument,
                  "connection \"" + std::string(text) + "\": " + why);
}

const std::set<std::string> kTcp = {"modbus-tcp", "scpi-tcp", "tcp", "simctl-tcp"};
const std::set<std::string> kSerial = {"modbus-rtu", "scpi-serial", "serial", "slcan"};
const std::set<std::string> kOther = {"socketcan", "gpio"};

}  // namespace

int Connection::param_int(const std::string& key, int fallback) const {
    auto it = params.find(key);
    int v = 0;
    if (it == params.end() || !to_int(it->second, v)) return fallback;
    return v;
}

std::string Connection::str() const {
    std::string s = scheme;
    if (kTcp.count(scheme)) {
        s += "://" + host + ":" + std::to_string(port);
    } else {
        s += ":" + device;
        if (kSerial.count(scheme) && baud > 0) {
            s += ":" + std::to_string(baud);
            if (scheme != "slcan")
                s += ":" + std::to_string(data_bits) + parity + std::to_string(stop_bits);
        }
    }
    char sep = '?';
    for (auto& [k, v] : params) {
        s += sep + k + "=" + v;
        sep = '&';
    }
    return s;
}

Result<Connection> parse_connection(std::string_view text) {
    Connection c;
    auto q = text.find('?');
    std::string_view main = text.substr(0, q);
    if (q != std::string_view::npos) {
        std::string_view rest = text.substr(q + 1);
        while (!rest.empty()) {
            auto amp = rest.find('&');
            auto kv = rest.substr(0, amp);
            auto eq = kv.find('=');
            if (eq == std::string_view::npos || eq == 0)
                return bad(text, "parameter '" + std::string(kv) + "' is not NAME=VALUE");
            c.params[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
            if (amp == std::string_view::npos) break;
            rest = rest.substr(amp + 1);
        }
    }
    auto colon = main.find(':');
    if (colon == std::string_view::npos) return bad(text, "missing scheme (like modbus-tcp://host:port)");
    c.scheme = std::string(main.substr(0, colon));
    std::string_view body = main.substr(colon + 1);
    if (kTcp.count(c.scheme)) {
        if (!body.starts_with("//")) return bad(text, "expected " + c.scheme + "://HOST:PORT");
        body.remove_prefix(2);
        auto pc = body.rfind(':');
        if (pc == std::string_view::npos || pc == 0) return bad(text, "expected HOST:PORT");
        c.host = std::string(body.substr(0, pc));
        if (!to_int(body.substr(pc + 1), c.port) || c.port < 0 || c.port > 65535)
            return bad(text, "port '" + std::string(body.substr(pc + 1)) + "' is not 0-65535");
        return c;
    }
    if (kSerial.count(c.scheme)) {
        // DEVICE[:BAUD[:8N1]]; a device path never contains ':' on Linux.
        auto p1 = body.find(':');
        c.device = std::string(body.substr(0, p1));
        if (c.device.empty()) return bad(text, "missing device");
        if (p1 != std::string_view::npos) {
            auto rest = body.substr(p1 + 1);
            auto p2 = rest.find(':');
            if (!to_int(rest.substr(0, p2), c.baud) || c.baud <= 0)
                return bad(text, "baud rate '" + std::string(rest.substr(0, p2)) + "' is not a number");
            if (p2 != std::string_view::npos) {
                auto f = rest.substr(p2 + 1);
                if (f.size() != 3 || (f[0] != '7' && f[0] != '8') ||
                    (f[1] != 'N' && f[1] != 'E' && f[1] != 'O') || (f[2] != '1' && f[2] != '2'))
                    return bad(text, "frame format '" + std::string(f) + "' is not like 8N1");
                c.data_bits = f[0] - '0';
                c.parity = f[1];
                c.stop_bits = f[2] - '0';
            }
        }
        if (c.baud == 0) c.baud = c.scheme == "slcan" ? 115200 : 9600;
        return c;
    }
    if (kOther.count(c.scheme)) {
        c.device = std::string(body);
        if (c.device.empty()) return bad(text, "missing interface or chip");
        return c;
    }
    return bad(text, "unknown scheme '" + c.scheme +
                         "' (known: modbus-tcp, modbus-rtu, scpi-tcp, scpi-serial, tcp, serial, "
                         "slcan, socketcan, gpio, simctl-tcp)");
}

}  // namespace rig
