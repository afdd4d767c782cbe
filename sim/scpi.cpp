#include "sim/scpi.hpp"

#include <cctype>

#include <fmt/format.h>

#include "sim/settings.hpp"

namespace rig::sim {

namespace {

std::string upper(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

// Splits at `sep` outside quotes and parentheses.
std::vector<std::string> split_top(std::string_view s, char sep) {
    std::vector<std::string> out;
    int depth = 0;
    bool quoted = false;
    std::string cur;
    for (char c : s) {
        if (c == '"') quoted = !quoted;
        if (!quoted && c == '(') ++depth;
        if (!quoted && c == ')') --depth;
        if (c == sep && !quoted && depth == 0) {
            out.push_back(trim(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(trim(cur));
    return out;
}

bool is_channel_list(const std::string& p) { return p.size() >= 3 && p[0] == '(' && p[1] == '@'; }

}  // namespace

std::string scpi_number(double v) { return fmt::format("{:+.8E}", v); }

std::variant<double, ScpiError> ScpiCall::number(size_t i, double min, double max, double def) const {
    auto p = plain();
    if (i >= p.size() || p[i].empty()) return missing_parameter();
    auto u = upper(p[i]);
    if (u == "MIN" || u == "MINIMUM") return min;
    if (u == "MAX" || u == "MAXIMUM") return max;
    if (u == "DEF" || u == "DEFAULT") return def;
    std::string_view t = p[i];
    double mult = 1.0;
    auto strip = [&](std::string_view suffix, double m) {
        if (t.size() > suffix.size() && upper(t.substr(t.size() - suffix.size())) == suffix) {
            t.remove_suffix(suffix.size());
            mult = m;
            return true;
        }
        return false;
    };
    strip("MV", 1e-3) || strip("MA", 1e-3) || strip("UA", 1e-6) || strip("V", 1.0) || strip("A", 1.0);
    auto n = parse_number(t);
    if (!n) return data_type_error();
    return *n * mult;
}

std::variant<bool, ScpiError> ScpiCall::boolean(size_t i) const {
    auto p = plain();
    if (i >= p.size() || p[i].empty()) return missing_parameter();
    auto u = upper(p[i]);
    if (u == "ON" || u == "1") return true;
    if (u == "OFF" || u == "0") return false;
    return illegal_parameter();
}

std::optional<std::vector<int>> ScpiCall::channels() const {
    for (auto& p : params) {
        if (!is_channel_list(p)) continue;
        std::vector<int> chs;
        auto body = std::string_view(p).substr(2);
        if (!body.empty() && body.back() == ')') body.remove_suffix(1);
        for (auto& item : split_top(body, ',')) {
            auto colon = item.find(':');
            auto a = parse_number(item.substr(0, colon));
            auto b = colon == std::string::npos ? a : parse_number(item.substr(colon + 1));
            if (!a || !b) return std::vector<int>{-1};
            for (int c = static_cast<int>(*a); c <= static_cast<int>(*b); ++c) chs.push_back(c);
        }
        return chs;
    }
    return std::nullopt;
}

std::vector<std::string> ScpiCall::plain() const {
    std::vector<std::string> out;
    for (auto& p : params)
        if (!is_channel_list(p)) out.push_back(p);
    return out;
}

ScpiServer::ScpiServer() {
    add("*IDN?", [this](const ScpiCall&) -> ScpiResult { return idn_ ? idn_() : std::string("JK-RIG,TWIN,0,1.0"); });
    add("*RST", [this](const ScpiCall&) -> ScpiResult {
        if (rst_) rst_();
        return std::string();
    });
    add("*CLS", [this](const ScpiCall&) -> ScpiResult {
        errors_.clear();
        return std::string();
    });
    add("*OPC?", [](const ScpiCall&) -> ScpiResult { return std::string("1"); });
    add("SYSTem:ERRor[:NEXT]?", [this](const ScpiCall&) -> ScpiResult {
        if (errors_.empty()) return std::string("+0,\"No error\"");
        auto e = errors_.front();
        errors_.pop_front();
        return fmt::format("{:+d},\"{}\"", e.code, e.message);
    });
}

void ScpiServer::add(const std::string& pattern, ScpiHandler handler) {
    Command c;
    std::string p = pattern;
    if (!p.empty() && p.back() == '?') {
        c.query = true;
        p.pop_back();
    }
    // Tokenise: names separated by ':', '[' ... ']' marks optional nodes.
    bool optional = false;
    std::string name;
    auto flush = [&] {
        if (name.empty()) return;
        Node n;
        n.lng = upper(name);
        for (char ch : name)
            if (std::isupper(static_cast<unsigned char>(ch)) || ch == '*' || std::isdigit(static_cast<unsigned char>(ch)))
                n.shrt += ch;
        if (n.shrt.empty()) n.shrt = n.lng;
        n.optional = optional;
        c.nodes.push_back(n);
        name.clear();
    };
    for (char ch : p) {
        if (ch == '[') {
            flush();
            optional = true;
        } else if (ch == ']') {
            flush();
            optional = false;
        } else if (ch == ':') {
            flush();
        } else {
            name += ch;
        }
    }
    flush();
    c.handler = std::move(handler);
    commands_.push_back(std::move(c));
}

const ScpiServer::Command* ScpiServer::match(const std::string& header, bool query) const {
    std::string_view h = header;
    if (!h.empty() && h.front() == ':') h.remove_prefix(1);
    std::vector<std::string> parts;
    for (auto& s : split_top(h, ':')) parts.push_back(upper(s));
    for (auto& c : commands_) {
        if (c.query != query) continue;
        std::function<bool(size_t, size_t)> m = [&](size_t pi, size_t ii) -> bool {
            if (pi == c.nodes.size()) return ii == parts.size();
            auto& n = c.nodes[pi];
            if (ii < parts.size() && (parts[ii] == n.shrt || parts[ii] == n.lng) && m(pi + 1, ii + 1)) return true;
            return n.optional && m(pi + 1, ii);
        };
        if (m(0, 0)) return &c;
    }
    return nullptr;
}

bool ScpiServer::serves(const std::string& line) const {
    auto t = trim(line);
    auto sp = t.find_first_of(" \t");
    auto header = t.substr(0, sp);
    bool q = !header.empty() && header.back() == '?';
    if (q) header.pop_back();
    return match(header, q) != nullptr;
}

void ScpiServer::push_error(const ScpiError& e) {
    if (errors_.size() >= 20) {
        errors_.back() = {-350, "Queue overflow"};
        return;
    }
    errors_.push_back(e);
}

std::string ScpiServer::execute(const std::string& line) {
    std::string replies;
    for (auto& cmd : split_top(line, ';')) {
        if (cmd.empty()) continue;
        auto sp = cmd.find_first_of(" \t");
        ScpiCall call;
        call.header = cmd.substr(0, sp);
        if (!call.header.empty() && call.header.back() == '?') {
            call.query = true;
            call.header.pop_back();
        }
        if (sp != std::string::npos) {
            auto rest = trim(std::string_view(cmd).substr(sp));
            if (!rest.empty()) call.params = split_top(rest, ',');
        }
        auto* c = match(call.header, call.query);
        if (!c) {
            push_error(undefined_header());
            continue;
        }
        auto r = c->handler(call);
        if (auto* e = std::get_if<ScpiError>(&r)) {
            push_error(*e);
            continue;
        }
        if (call.query) replies += (replies.empty() ? "" : ";") + std::get<std::string>(r);
    }
    return replies.empty() ? std::string() : replies + "\n";
}

std::optional<std::string> ScpiServer::take_request(std::string& in) {
    auto nl = in.find('\n');
    if (nl == std::string::npos) {
        if (in.size() > 65536) in.clear();  // no line ever ends: a runaway client
        return std::nullopt;
    }
    std::string line = in.substr(0, nl);
    in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string ScpiServer::corrupt(const std::string&, std::mt19937_64& rng) {
    static const char junk[] = "#%&~^|\\{}<>";
    std::string s = "\x7f";
    for (int i = 0; i < 12; ++i) s += junk[rng() % (sizeof junk - 1)];
    return s + "\n";
}

}  // namespace rig::sim
