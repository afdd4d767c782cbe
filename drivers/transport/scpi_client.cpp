#include "drivers/transport/scpi_client.hpp"

#include <charconv>
#include <cmath>

namespace rig::drivers {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string retries_text(int n) {
    if (n == 0) return "(no retries)";
    return "(" + std::to_string(n) + (n == 1 ? " retry)" : " retries)");
}

// SCPI's "overload" reading (9.9E37): a number, but not a measurement.
constexpr double kOverload = 9.9e37;

}  // namespace

Result<double> parse_scpi_number(std::string_view text) {
    auto t = trim(text);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    double v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v))
        return Status(Code::bad_reply, "bad reply " + quote_text(text) + " (not a number)");
    return v;
}

Result<std::unique_ptr<ScpiClient>> ScpiClient::create(const Connection& c, ScpiOptions options) {
    auto s = LineStream::create(c);
    if (!s) return s.status();
    return std::unique_ptr<ScpiClient>(new ScpiClient(std::move(*s), std::move(options)));
}

Status ScpiClient::open() { return stream_->open(opt_.timeout); }

Status ScpiClient::send(const std::string& line) {
    if (!stream_->is_open()) RIG_TRY(stream_->open(opt_.timeout));
    ++lines_sent_;
    return stream_->write_line(line, opt_.terminator, opt_.timeout);
}

Status ScpiClient::write(const std::string& command) {
    auto s = send(command);
    if (!s) return s.with_context(command);
    if (opt_.check_errors) return check_error_queue(command);
    return Status::ok();
}

Status ScpiClient::check_error_queue(const std::string& after) {
    // Read the queue until it says 0 (bounded: a full queue holds at most a few dozen).
    std::string first;
    for (int i = 0; i < 32; ++i) {
        auto reply = query_once(opt_.error_query);
        if (!reply) return reply.status().with_context(after + " then " + opt_.error_query);
        auto text = trim(*reply);
        auto comma = text.find(',');
        auto code = parse_scpi_number(text.substr(0, comma));
        if (!code)
            return Status(Code::bad_reply, after + " then " + opt_.error_query + ": bad reply " + quote_text(*reply) +
                                               " (expected <code>,\"<text>\")");
        if (*code == 0) break;
        if (first.empty()) first = std::string(text);
    }
    if (!first.empty()) return Status(Code::device_error, after + ": instrument error " + first);
    return Status::ok();
}

Result<std::string> ScpiClient::query_once(const std::string& command) {
    // A late answer to an earlier, timed-out query must not be taken for this one.
    if (stale_) stream_->flush_input();
    stale_ = false;
    RIG_TRY(send(command));
    auto r = stream_->read_line(opt_.terminator, opt_.timeout);
    if (!r && r.status().code() == Code::timeout) stale_ = true;
    return r;
}

Result<std::string> ScpiClient::query(const std::string& command) {
    Status last;
    int attempt = 0;
    for (;; ++attempt) {
        auto r = query_once(command);
        if (r) return r;
        last = r.status();
        if (last.code() != Code::timeout || attempt >= opt_.retries) break;
        stream_->flush_input();
    }
    if (last.code() == Code::timeout) return Status(Code::timeout, command + ": " + last.message() + " " + retries_text(attempt));
    return last.with_context(command);
}

Result<double> ScpiClient::query_number(const std::string& command) {
    auto r = query_numbers(command, 1);
    if (!r) return r.status();
    return r->front();
}

Result<std::vector<double>> ScpiClient::query_numbers(const std::string& command, size_t expected) {
    Status last;
    int attempt = 0;
    for (;; ++attempt) {
        auto reply = query(command);
        if (!reply) return reply.status();
        std::vector<double> out;
        std::string_view rest = *reply;
        bool ok = true;
        for (;;) {
            auto comma = rest.find(',');
            auto v = parse_scpi_number(rest.substr(0, comma));
            if (!v) {
                ok = false;
                break;
            }
            if (std::fabs(*v) >= kOverload) return Status(Code::device_error, command + ": overload (" + quote_text(*reply) + ")");
            out.push_back(*v);
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
        }
        if (ok && out.size() == expected) return out;
        last = ok ? Status(Code::bad_reply, command + ": bad reply " + quote_text(*reply) + " (" +
                                                std::to_string(out.size()) + " values, expected " +
                                                std::to_string(expected) + ")")
                  : Status(Code::bad_reply, command + ": bad reply " + quote_text(*reply) + " (not a number)");
        if (attempt >= opt_.retries) break;
        stream_->flush_input();
    }
    return Status(last.code(), last.message() + " " + retries_text(attempt));
}

}  // namespace rig::drivers
