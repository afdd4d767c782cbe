// Instrument: what every bench instrument has in common, and the lifecycle the sequencer
// relies on. Kinds (cell emulator, supply, meter, relay bank, DUT link) derive from it.
//
// Lifecycle:
//   created    spec known, model file loaded, transport not open. Nothing on the wire.
//   connected  transport open; identity read and checked against the fixture (model,
//              serial, calibration date); the communication watchdog armed where the model
//              has one. Outputs are as the instrument left them: call safe() first.
//   safe       outputs off / at rest (safe()). Always reachable from connected; safe() is
//              also tried on destruction, so a dropped bench leaves no output energised.
//              (A base destructor cannot reach the backend's do_safe(): every backend is
//              wrapped in Closing<> (backends.hpp), whose destructor calls both.)
//
// Public non-virtual, private virtual: public methods lock the instrument (instruments may
// be shared by sockets), check the fixture's safe limits and the interlock before anything
// reaches the transport, and add context (instrument id, address, register or command) to
// every error; the do_*() backends only talk.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "rig/core/clock.hpp"
#include "rig/core/status.hpp"
#include "rig/fixture/fixture.hpp"

namespace rig::drivers {

// Who the instrument says it is, read at connect and kept for the record.
struct Identity {
    std::string manufacturer;
    std::string model;
    std::string serial;
    std::string firmware;
    std::string raw;  // the reply it was decoded from (e.g. the *IDN? line)
};

// Returns whether the interlock is closed (safe to energise). Set by the bench.
using InterlockProbe = std::function<Result<bool>()>;

class Instrument {
public:
    virtual ~Instrument() = default;
    Instrument(const Instrument&) = delete;
    Instrument& operator=(const Instrument&) = delete;

    const InstrumentSpec& spec() const { return spec_; }
    const std::string& id() const { return spec_.id; }
    const Identity& identity() const { return identity_; }
    bool connected() const { return connected_; }

    // Opens the transport, reads and checks identity, arms the watchdog. `today` is the
    // date ("YYYY-MM-DD") calibration due dates are checked against.
    Status connect(const std::string& today);
    Status safe();
    void disconnect();

    // Outputs are refused with interlock_open while the probe says open (or fails).
    void set_interlock(InterlockProbe probe) { interlock_ = std::move(probe); }
    // Safe limits of this instrument's role (cells or supply), from the fixture.
    void set_safe_limits(std::optional<SafeLimits> limits) { limits_ = std::move(limits); }

protected:
    explicit Instrument(InstrumentSpec spec) : spec_(std::move(spec)) {}

    // "emu modbus-tcp://127.0.0.1:1502": the prefix every error of this instrument gets.
    std::string where() const;
    // For derived kinds: interlock and limit checks (status names role, value and limit).
    Status check_interlock();
    Status check_range(std::string_view what, double value, const std::optional<Range>& r,
                       Unit u) const;
    const std::optional<SafeLimits>& limits() const { return limits_; }
    std::mutex& mutex() { return mutex_; }

private:
    virtual Status do_open() = 0;
    virtual Result<Identity> do_identify() = 0;
    virtual Status do_arm_watchdog() { return Status::ok(); }
    // Whether `id` is the model the fixture names (the model file's identity match or
    // register values). Called by connect() only when spec().require_model.
    virtual Status do_check_identity(const Identity&) { return Status::ok(); }
    virtual Status do_safe() = 0;
    virtual void do_close() = 0;

    InstrumentSpec spec_;
    Identity identity_;
    std::atomic<bool> connected_{false};  // read without the lock by keep-alive threads
    InterlockProbe interlock_;
    std::optional<SafeLimits> limits_;
    std::mutex mutex_;
};

}  // namespace rig::drivers
