// ScpiClient: the SCPI / ASCII line protocol over a LineStream (TCP or serial), under the
// SCPI supply and meter backends and the NGI N83624 ASCII backend. A command is one line;
// a query is one line out and one line back within the instrument's timeout. When the
// model asks for it (check_errors), every write is followed by the error query
// (SYST:ERR?) and a non-zero error becomes device_error quoting the command and the text.
//
// Errors name the command and what came back:
//   "MEAS:VOLT? (@1): no reply within 500 ms (nothing came back) (2 retries)"
//   "READ?: bad reply \"abc\" (not a number)"
//   "VOLT 130,(@1): instrument error -222,\"Data out of range\""
// Queries that time out or come back garbled are retried (input flushed first) up to
// `retries` times; writes are not repeated. A dropped connection is re-opened on the next
// call. Not copyable, not thread-safe: its owner (an Instrument) serialises access.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drivers/transport/line_stream.hpp"

namespace rig::drivers {

struct ScpiOptions {
    Duration timeout{std::chrono::milliseconds(500)};
    int retries{2};
    bool check_errors{false};
    std::string error_query{"SYST:ERR?"};
    char terminator{'\n'};
};

class ScpiClient {
public:
    [[nodiscard]] static Result<std::unique_ptr<ScpiClient>> create(const Connection& c, ScpiOptions options);

    [[nodiscard]] Status open();
    void close() { stream_->close(); }

    // A command that has no reply; then the error query when check_errors is set.
    [[nodiscard]] Status write(const std::string& command);
    [[nodiscard]] Result<std::string> query(const std::string& command);
    [[nodiscard]] Result<double> query_number(const std::string& command);
    // A comma-separated list of numbers ("3.3001,3.2999"), exactly `expected` of them.
    [[nodiscard]] Result<std::vector<double>> query_numbers(const std::string& command, size_t expected);

    // Lines written since creation (error queries included): lets tests prove that a
    // refused command never reached the wire.
    std::uint64_t lines_sent() const { return lines_sent_; }

private:
    ScpiClient(std::unique_ptr<LineStream> s, ScpiOptions o) : stream_(std::move(s)), opt_(std::move(o)) {}
    Status send(const std::string& line);
    Result<std::string> query_once(const std::string& command);
    Status check_error_queue(const std::string& after);

    std::unique_ptr<LineStream> stream_;
    ScpiOptions opt_;
    std::uint64_t lines_sent_{0};
    bool stale_{false};  // a reply may still be on its way: flush before the next query
};

// Parses a number as instruments send it ("+3.30000000E+00", " 12", "-0.5"), locale-free.
Result<double> parse_scpi_number(std::string_view text);

}  // namespace rig::drivers
