// Status and Result<T>: how I/O says whether it worked. No exceptions on the I/O path; the
// caller decides. A Status is not a verdict: it says whether the rig could talk to an
// instrument, never whether the DUT is good (see verdict.hpp).
//
// Code table: what each code means and what to do about it (recovery()).
//
// | code                | meaning                                         | recovery   |
// |---------------------|-------------------------------------------------|------------|
// | ok                  |                                                 | none       |
// | timeout             | no reply, or a late one, within the deadline    | retry_call |
// | bad_reply           | CRC/checksum wrong, garbage, wrong length/echo  | retry_call |
// | busy                | device said busy / not ready yet                | retry_call |
// | disconnected        | connection dropped or could not be opened       | retry_step |
// | device_error        | instrument reported an error (SCPI queue, Modbus exception) | retry_step |
// | refused             | commanded value outside the fixture's safe limits | fix_rig  |
// | interlock_open      | outputs refused while the interlock is open     | fix_rig    |
// | identity_mismatch   | instrument is not the model the fixture requires | fix_rig   |
// | calibration_expired | instrument past its calibration due date        | fix_rig    |
// | not_supported       | the model cannot do what was asked              | fix_rig    |
// | invalid_argument    | bad plan/fixture/command-line value             | fix_rig    |
// | io_error            | the OS refused (open, termios, socket)          | fix_rig    |
// | cancelled           | the run was aborted (signal, operator)          | none       |
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace rig {

enum class Code : unsigned char {
    ok,
    timeout,
    bad_reply,
    busy,
    disconnected,
    device_error,
    refused,
    interlock_open,
    identity_mismatch,
    calibration_expired,
    not_supported,
    invalid_argument,
    io_error,
    cancelled,
};

enum class Recovery : unsigned char { none, retry_call, retry_step, fix_rig };

std::string_view to_string(Code c);
std::string_view to_string(Recovery r);
Recovery recovery(Code c);

class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
    static Status ok() { return {}; }

    bool is_ok() const { return code_ == Code::ok; }
    explicit operator bool() const { return is_ok(); }
    Code code() const { return code_; }
    const std::string& message() const { return message_; }
    Recovery recovery() const { return rig::recovery(code_); }

    // Prefixes the message with where it happened: "meter scpi-tcp://127.0.0.1:5025 READ?: ".
    Status with_context(std::string_view where) const&;
    Status with_context(std::string_view where) &&;
    // "timeout: meter ...: no reply within 1000 ms"
    std::string describe() const;

private:
    Code code_{Code::ok};
    std::string message_;
};

template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_same_v<T, Status>);

public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
    Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok

    bool is_ok() const { return v_.index() == 0; }
    explicit operator bool() const { return is_ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T value_or(T fallback) const { return is_ok() ? value() : fallback; }
    Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }

private:
    std::variant<T, Status> v_;
};

}  // namespace rig

// Returns early with the Status of a failed Status or Result expression.
#define RIG_TRY(expr)                                             \
    do {                                                          \
        auto rig_try_result_ = (expr);                            \
        if (!rig_try_result_) return ::rig::detail::status_of(rig_try_result_); \
    } while (0)

namespace rig::detail {
inline Status status_of(const Status& s) { return s; }
template <class T>
Status status_of(const Result<T>& r) { return r.status(); }
}  // namespace rig::detail
