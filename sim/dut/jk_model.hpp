// JkModel: the JK-B2A24S balancer's behaviour, without any wire: the power state machine
// (OFF / ON / BALANCING / SHUTDOWN), per-channel measurement error, the balancing current
// it puts on the emulator channels, the B+ current it draws, and the four settings the
// protocols write. The twin (jk_twin.hpp) serves it over RS485 or CAN; tests drive it
// directly on a virtual-time reactor and a World. docs/sim/dut.md lists every setting.
//
// Time: physics follows Reactor::on_advance. Measurements happen on a fixed grid (every
// measure_period_s from attach()), and every decision (power-up, shutdown, start/stop of
// balancing) is taken at a grid tick or at the balance-start instant, never at "whenever a
// request came", so real and virtual time give the same behaviour for the same seed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "drivers/jk/codec/status.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/reactor.hpp"
#include "sim/settings.hpp"
#include "sim/world.hpp"

namespace rig::sim::dut {

enum class PowerState : unsigned char { off, on, balancing, shutdown };
std::string_view to_string(PowerState s);

class JkModel {
public:
    // `socket` wires DUT pins to emulator channels and gives the address; `socket_index`
    // is this DUT's slot in World::dut_supply_A.
    JkModel(const SocketSpec& socket, int socket_index);
    JkModel(const JkModel&) = delete;
    JkModel& operator=(const JkModel&) = delete;

    // Registers the physics with the reactor; time starts at reactor.now().
    void attach(Reactor& reactor, World& world);
    // Advances physics to `now` (the reactor does this; tests may too).
    void advance(TimePoint now);

    Status set(const std::string& name, const std::string& value);
    std::vector<SettingInfo> settings() const { return table_.infos(); }
    // The present value of a numeric or boolean setting ("shutdown_V", "cell_offset_mV.9";
    // booleans as 0/1): what population mode drew, for tests and the unit's record.
    Result<double> value(const std::string& name) const;
    // Defaults (or good-unit draws with `population`); protocol settings back to defaults;
    // faults cleared; RNGs reseeded.
    void reset(std::uint64_t seed, bool population);

    PowerState state() const { return state_; }
    bool communicating() const { return state_ == PowerState::on || state_ == PowerState::balancing; }
    std::uint8_t address() const { return address_; }
    // The last measurement, as the protocols report it.
    const jk::BalancerStatus& status() const { return status_; }
    // A protocol write (F0/F2/F4/F6): returns what the balancer echoes as stored.
    std::uint16_t write(jk::Command c, std::uint16_t value);

    // Whether a request reaches the balancer at all: powered (ON/BALANCING), the socket's
    // comms relay (relay_map "comms", if any) closed, and no comms_silent / no_reply /
    // disconnect_after_s fault. A request it does not hear changes nothing.
    bool hears() const;
    // Per reply, from their own seeded stream: the reply is lost (comms_drop_pct), or its
    // checksum/frame is corrupted (corrupt_pct).
    bool drop_reply();
    bool corrupt_reply();
    const Faults& faults() const { return faults_; }
    // For tests and logs: the balancing current now flowing out of the highest cell.
    double balance_current_A() const { return flowing_A_; }

private:
    void define_settings();
    void tick(TimePoint t);
    void measure();
    void apply_loads();
    void clear_loads();
    void update_supply();
    void power(PowerState s, TimePoint t);
    double pin_V(int pin) const;
    bool pin_open(int pin) const;
    void parse_open_pins();
    int configured() const;

    SocketSpec socket_;
    int socket_index_;
    std::uint8_t address_;
    Reactor* reactor_{nullptr};
    World* world_{nullptr};

    // Settings (docs/sim/dut.md; names as in dut.md's parameter table).
    SettingTable table_;
    std::map<std::string, const double*> numbers_;
    std::map<std::string, const bool*> bools_;
    Faults faults_;
    std::vector<double> offset_mV_, gain_ppm_;
    double noise_mV_{}, balance_A_{}, trigger_offset_mV_{}, shutdown_V_{}, power_on_V_{};
    double supply_mW_{}, temp_offset_C_{}, drop_pct_{}, period_s_{}, delay_s_{}, efficiency_{};
    double off_uA_{}, start_V_{}, temperature_C_{}, detect_V_{}, overvoltage_V_{};
    double min_bplus_V_{}, max_bplus_V_{};
    bool start_ignored_{}, write_ignored_{}, silent_{};
    std::string open_channels_text_;
    std::vector<bool> open_pin_;  // index pin-1
    // Protocol-written configuration (also settings).
    double cell_count_{}, trigger_mV_{}, max_current_mA_{};
    bool switch_on_{};

    // State.
    PowerState state_{PowerState::off};
    TimePoint start_{}, next_tick_{}, last_{};
    std::optional<TimePoint> balance_at_;  // balancing starts then, if still wanted
    int high_pin_{0}, low_pin_{0};         // 1-based pins of the pair being balanced
    double flowing_A_{0.0};
    std::vector<int> loaded_channels_;
    std::vector<int> measured_mV_;  // per pin, 24
    jk::BalancerStatus status_{};
    std::mt19937_64 noise_rng_{1}, comms_rng_{2};
};

}  // namespace rig::sim::dut
