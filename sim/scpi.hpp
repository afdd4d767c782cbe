// SCPI server core of the twins: lines end in "\n" ("\r\n" accepted), commands separated by
// ';', headers matched by the SCPI rule (the UPPER-case short form or the whole long form,
// [optional] nodes may be left out), queries answered on one line (several queries of one
// line joined by ';'). Errors go on a real error queue (20 deep, -350 on overflow) that
// SYST:ERR? pops, "+0,\"No error\"" when empty; *IDN?, *RST, *CLS, *OPC? and SYST:ERR? are
// built in. A query that fails produces no reply, as on real instruments.
//
//   ScpiServer scpi;
//   scpi.add("MEASure[:SCALar]:VOLTage[:DC]?", [&](const ScpiCall& c) -> ScpiResult {...});
//
// As a FrameProtocol the server plugs into an Endpoint (sim/endpoint.hpp); a corrupted
// reply is a line of garbage.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sim/endpoint.hpp"

namespace rig::sim {

struct ScpiError {
    int code;
    std::string message;
};
inline ScpiError undefined_header() { return {-113, "Undefined header"}; }
inline ScpiError data_out_of_range() { return {-222, "Data out of range"}; }
inline ScpiError illegal_parameter() { return {-224, "Illegal parameter value"}; }
inline ScpiError missing_parameter() { return {-109, "Missing parameter"}; }
inline ScpiError parameter_not_allowed() { return {-108, "Parameter not allowed"}; }
inline ScpiError data_type_error() { return {-104, "Data type error"}; }

// One parsed command: its parameters, as written, split at top-level commas.
struct ScpiCall {
    std::string header;
    bool query{false};
    std::vector<std::string> params;

    // Parameter i as a number; MIN/MAX/DEF map to the given values. Errors: -109 missing,
    // -104 not a number. An optional unit suffix (V, A, mV, mA) is accepted.
    std::variant<double, ScpiError> number(size_t i, double min, double max, double def) const;
    std::variant<bool, ScpiError> boolean(size_t i) const;  // ON|OFF|1|0
    // The channel list "(@1)", "(@1,2)", "(@1:3)" if present (anywhere in the parameters).
    std::optional<std::vector<int>> channels() const;
    // Parameters other than a channel list.
    std::vector<std::string> plain() const;
};

using ScpiResult = std::variant<std::string, ScpiError>;  // a query's reply text ("" for sets)
using ScpiHandler = std::function<ScpiResult(const ScpiCall&)>;

class ScpiServer final : public FrameProtocol {
public:
    ScpiServer();
    // Pattern: "VOLTage[:LEVel][:IMMediate][:AMPLitude]", "MEASure:CURRent[:DC]?", "*IDN?".
    void add(const std::string& pattern, ScpiHandler handler);
    void on_idn(std::function<std::string()> idn) { idn_ = std::move(idn); }
    void on_reset(std::function<void()> rst) { rst_ = std::move(rst); }
    // Is a header (with or without '?') served? Used to check a model's command templates.
    bool serves(const std::string& command_line) const;
    void push_error(const ScpiError& e);
    // A handler's device time (integration, settling): the reply leaves that much later in
    // real time, at once in virtual time (Endpoint).
    void add_busy(std::chrono::nanoseconds t) { busy_ += t; }
    std::chrono::nanoseconds take_busy_time() override { return std::exchange(busy_, std::chrono::nanoseconds::zero()); }
    void clear_errors() { errors_.clear(); }
    std::size_t error_count() const { return errors_.size(); }

    // Runs one line; returns the reply line with "\n", or "" when nothing is to be answered.
    std::string execute(const std::string& line);

    std::optional<std::string> take_request(std::string& in) override;
    std::string answer(const std::string& request) override { return execute(request); }
    std::string corrupt(const std::string& reply, std::mt19937_64& rng) override;
    bool binary() const override { return false; }

private:
    struct Node {
        std::string shrt, lng;
        bool optional{false};
    };
    struct Command {
        std::vector<Node> nodes;
        bool query{false};
        ScpiHandler handler;
    };
    const Command* match(const std::string& header, bool query) const;

    std::vector<Command> commands_;
    std::deque<ScpiError> errors_;
    std::function<std::string()> idn_;
    std::function<void()> rst_;
    std::chrono::nanoseconds busy_{0};
};

// "+1.23456789E+01": how SCPI instruments print a reading (locale-independent).
std::string scpi_number(double v);

}  // namespace rig::sim
