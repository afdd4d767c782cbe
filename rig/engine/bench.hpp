// Bench: the instruments of ONE test socket, by role (cells, supply, meter, relays, DUT
// link, interlock), as the sequencer commands them. Built from a fixture: instruments are
// opened through drivers::open_instrument, shared between sockets through an
// InstrumentPool (one shared_ptr per instrument; the instrument's own mutex serialises
// sockets), given their role's safe limits and the interlock probe, then connected. The
// interlock is a relay board's digital input or a gpio instrument's line: either way the
// probe comes from drivers::make_interlock_probe, so the engine never knows which.
//
// Lifecycle: open() -> connect_all() (identities kept for the record) -> commands ->
// safe(). safe() is always attempted for every instrument even when one fails; the bench
// also goes safe when destroyed. What "safe" means: supply output off, this socket's
// emulator channels off, this socket's relays at rest (open).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/dut_link.hpp"
#include "drivers/kinds.hpp"
#include "reports/record.hpp"
#include "rig/fixture/fixture.hpp"

namespace rig::engine {

// The instruments of a fixture, each opened once and shared by the sockets that use it.
class InstrumentPool {
public:
    explicit InstrumentPool(const Fixture& fixture) : fixture_(fixture) {}
    Result<std::shared_ptr<drivers::Instrument>> get(const std::string& id);
    // An instrument opened (and maybe connected) elsewhere, served by get() from now on
    // (rig probe opens and connects each instrument itself before it builds benches).
    void adopt(std::shared_ptr<drivers::Instrument> instrument);
    // How many sockets of the fixture name this instrument (a shared one is > 1).
    int users(const std::string& id) const;
    // Every connected instrument to its safe state, supplies first; for when every socket
    // has ended (a socket's safe() leaves a shared supply on and opens only its own B+
    // relay). Every instrument is attempted; the errors are joined.
    Status safe_all();

private:
    const Fixture& fixture_;
    std::map<std::string, std::shared_ptr<drivers::Instrument>> open_;
};

// The DUT in this socket reports a temperature: its link's model carries one (DZ08 /
// DZ11 variants, model quirk `temperature_scale`), unless the fixture's DUT instrument
// says otherwise with option `temperature_input = false`.
bool fixture_has_temperature(const Fixture& fixture, const SocketSpec& socket);

class Bench {
public:
    struct Parts {
        std::shared_ptr<drivers::CellEmulator> cells;
        std::shared_ptr<drivers::Supply> supply;
        std::shared_ptr<drivers::Meter> meter;
        std::shared_ptr<drivers::RelayBank> relays;
        std::shared_ptr<drivers::DutLink> dut;
        // The instrument the lid switch is on: a relay_bank (input index) or a gpio (line).
        std::shared_ptr<drivers::Instrument> interlock;
        bool supply_shared{false};
    };

    // Opens the socket's instruments (not connected yet). Errors name the instrument.
    static Result<std::unique_ptr<Bench>> open(const Fixture& fixture, const SocketSpec& socket,
                                               InstrumentPool& pool);
    // From instruments made elsewhere (tests with fakes of the kinds).
    Bench(const Fixture& fixture, SocketSpec socket, Parts parts);
    ~Bench();
    Bench(const Bench&) = delete;
    Bench& operator=(const Bench&) = delete;

    // Connects every instrument (today: "YYYY-MM-DD" for calibration dates) and configures
    // the meter for DC current (it sits in series with B+). Stops at the first failure.
    Status connect_all(const std::string& today);
    // Supply output off, this socket's emulator outputs off, relays at rest. Every part is
    // attempted; the errors are joined.
    Status safe();

    drivers::CellEmulator* cells() const { return parts_.cells.get(); }
    drivers::Supply* supply() const { return parts_.supply.get(); }
    drivers::Meter* meter() const { return parts_.meter.get(); }
    drivers::RelayBank* relays() const { return parts_.relays.get(); }
    drivers::DutLink* dut() const { return parts_.dut.get(); }

    const Fixture& fixture() const { return fixture_; }
    const SocketSpec& socket() const { return socket_; }
    int cell_count() const { return socket_.cell_count; }
    int channel_of_pin(int pin) const { return socket_.channel_of_pin(pin); }
    // Pins 1..cell_count, or `pins` when not empty.
    std::vector<int> pins_or_all(const std::vector<int>& pins) const;

    // Relay by role of the socket's relay_map ("bplus", "comms", "lamp_pass"). A role the
    // fixture does not wire is not_supported. Closing "bplus" checks the interlock first.
    Status set_relay(const std::string& role, bool on);
    bool has_relay(const std::string& role) const { return socket_.relay_map.count(role) != 0; }
    // Reads the interlock: true = closed (safe to energise). No interlock wired: true.
    Result<bool> interlock_closed();

    // Cell setpoints by pin, remembered so patterns ("cell 7 high by 50 mV") and ramps are
    // relative to what is on the pins. Checked by the emulator against the safe limits.
    Status set_pin_voltages(const std::map<int, Volts>& by_pin);
    std::optional<Volts> pin_setpoint(int pin) const;
    Status set_cell_outputs(bool on);
    bool cell_outputs_on() const { return outputs_on_; }

    // One cheap request to the cell emulator, so its communication watchdog sees the rig
    // alive during long waits (ok without an emulator or before outputs are on).
    Status keepalive();
    // keepalive() when `now` is at least `every` after the last one (called on every sleep).
    Status keepalive_if_due(TimePoint now, Duration every = std::chrono::milliseconds(500));

    // Identities for the record (after connect_all).
    std::vector<reports::InstrumentRecord> instrument_records() const;
    // The DUT reports a temperature (its model carries one: DZ08 / DZ11).
    bool has_temperature() const;

private:
    const Fixture& fixture_;
    SocketSpec socket_;
    Parts parts_;
    drivers::InterlockProbe interlock_probe_;  // empty: no interlock wired
    std::map<int, double> setpoints_V_;  // by pin
    bool outputs_on_{false};
    TimePoint last_keepalive_{};
};

// Real time only: feeds the bench's emulator watchdog (Bench::keepalive) every 500 ms from
// a thread of its own, for as long as it lives. Sleeps feed it too, but a stretch of DUT-
// only I/O without a sleep (a silent DUT's timeouts, the firmware plan's writes and
// read-backs at 9600 baud) outlasts a 2 s watchdog, and the emulator would switch the DUT
// off mid-run. Virtual time needs none and must not have one: there the watchdog follows
// the virtual clock, which moves only in sleeps, and emulator reads at moments set by
// thread timing would make readings depend on scheduling. Start it after connecting (the
// instrument's own lock serialises its requests with the sequencer's).
class KeepAlive {
public:
    explicit KeepAlive(Bench& bench);

private:
    std::jthread thread_;
};

}  // namespace rig::engine
