#include "sim/dut/jk_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "rig/core/log.hpp"

namespace rig::sim::dut {
namespace {

using jk::Command;

Duration seconds(double s) {
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// A normal draw clipped to [lo, hi] (population mode).
double draw(std::mt19937_64& rng, double mean, double sigma, double lo, double hi) {
    std::normal_distribution<double> d(mean, sigma);
    return std::clamp(d(rng), lo, hi);
}

}  // namespace

std::string_view to_string(PowerState s) {
    switch (s) {
        case PowerState::off: return "OFF";
        case PowerState::on: return "ON";
        case PowerState::balancing: return "BALANCING";
        case PowerState::shutdown: return "SHUTDOWN";
    }
    return "?";
}

JkModel::JkModel(const SocketSpec& socket, int socket_index)
    : socket_(socket), socket_index_(socket_index),
      address_(static_cast<std::uint8_t>(std::clamp(socket.dut_address, 0, 255))),
      offset_mV_(jk::kMaxCells), gain_ppm_(jk::kMaxCells), open_pin_(jk::kMaxCells),
      measured_mV_(jk::kMaxCells) {
    define_settings();
}

void JkModel::define_settings() {
    auto& t = table_;
    auto reapply = [this] { apply_loads(); update_supply(); };
    const double kAny = 1e9;
    // dut.md parameter table, in its order and with its names.
    t.add_number_indexed("cell_offset_mV", &offset_mV_, 1, 0.0, "mV",
                         "measurement offset of cell N (pin BN), added to the true voltage", -1000, 1000);
    t.add_number_indexed("cell_gain_ppm", &gain_ppm_, 1, 0.0, "ppm",
                         "measurement gain error of cell N (pin BN)", -1e6, 1e6);
    t.add_number("cell_noise_mV", &noise_mV_, 0.3, "mV", "measurement noise, 1 sigma, every cell", 0, 1000);
    t.add_number("balance_current_A", &balance_A_, 2.0, "A",
                 "balancing current the hardware delivers (capped by the max balance current setting)", 0, 10,
                 reapply);
    t.add_text("balance_open_channels", &open_channels_text_, "",
               "DUT pins whose balance lead carries no current: \"B3,B17\" (or \"3 17\"; numbers are pins)",
               [this] { parse_open_pins(); apply_loads(); });
    t.add_number("trigger_offset_mV", &trigger_offset_mV_, 0.0, "mV",
                 "added to the trigger delta the balancer acts on (not to the one it reports)", -1000, 1000);
    t.add_bool("start_voltage_ignored", &start_ignored_, false, "balances below the start voltage");
    t.add_number("shutdown_V", &shutdown_V_, 2.2, "V", "cell 1 below this: SHUTDOWN (0 = never)", 0, 5);
    t.add_number("power_on_V", &power_on_V_, 2.4, "V", "cell 1 above this (and B+ in range): first power-up", 0, 5);
    t.add_number("supply_power_mW", &supply_mW_, 600, "mW", "power drawn from B+ while on", 0, 100000, reapply);
    t.add_number("temperature_offset_C", &temp_offset_C_, 0.0, "°C", "added to the reported temperature", -200,
                 200);
    t.add_bool("param_write_ignored", &write_ignored_, false,
               "protocol writes echo the new value but the old one is kept");
    t.add_bool("comms_silent", &silent_, false, "never answers (RS485 or CAN)");
    t.add_number("comms_drop_pct", &drop_pct_, 0.0, "%", "this share of replies is never sent", 0, 100);
    t.add_number("measure_period_s", &period_s_, 0.2, "s", "one measurement of every cell this often (assumed)",
                 0.001, 60);
    t.add_number("balance_start_delay_s", &delay_s_, 0.5, "s",
                 "balancing starts this long after its condition first holds (assumed)", 0, 3600);
    t.add_number("transfer_efficiency", &efficiency_, 0.9, "",
                 "share of the current taken from the highest cell that reaches the lowest (assumed)", 0, 1,
                 reapply);
    t.add_number("off_current_uA", &off_uA_, 50, "µA", "B+ current while OFF or SHUTDOWN (assumed)", 0, kAny,
                 reapply);
    // Assumptions dut.md leaves open (docs/sim/dut.md says why).
    t.add_number("start_voltage_V", &start_V_, 3.0, "V",
                 "balancing only while the highest measured cell is above this (3 V Li-ion/LiFePO4, 2 V LTO)",
                 0, 5);
    t.add_number("temperature_C", &temperature_C_, 25.0, "°C", "true temperature of the NTC on P4", -60, 200);
    t.add_number("cell_detect_V", &detect_V_, 0.5, "V", "a pin reading above this counts as a detected cell", 0,
                 5);
    t.add_number("overvoltage_V", &overvoltage_V_, 4.5, "V", "a cell above this raises the over-voltage alarm",
                 0, 10);
    t.add_number("bplus_min_V", &min_bplus_V_, 20, "V", "lowest B+ the balancer runs on", 0, 1000, reapply);
    t.add_number("bplus_max_V", &max_bplus_V_, 100, "V", "highest B+ the balancer runs on", 0, 1000, reapply);
    // What the protocols write (F0/F2/F4/F6); settable here too, to start a unit configured.
    t.add_number("cell_count", &cell_count_, std::clamp(socket_.cell_count, 2, jk::kMaxCells), "cells",
                 "configured cell count (F0; default: the socket's cell_count)", 2, jk::kMaxCells);
    t.add_number("trigger_mV", &trigger_mV_, 10, "mV", "trigger delta (F2)", 2, 1000);
    t.add_number("max_balance_current_mA", &max_current_mA_, 2000, "mA", "max balance current (F4)", 30, 2000,
                 reapply);
    t.add_bool("balancing_switch", &switch_on_, true, "balancing switch (F6)", reapply);
    faults_.add_to(t, {}, Faults::Set::wire_only);  // dut.md gives the DUT no stuck_output
    const std::pair<const char*, const double*> numbers[] = {
        {"cell_noise_mV", &noise_mV_}, {"balance_current_A", &balance_A_},
        {"trigger_offset_mV", &trigger_offset_mV_}, {"shutdown_V", &shutdown_V_}, {"power_on_V", &power_on_V_},
        {"supply_power_mW", &supply_mW_}, {"temperature_offset_C", &temp_offset_C_},
        {"comms_drop_pct", &drop_pct_}, {"measure_period_s", &period_s_}, {"balance_start_delay_s", &delay_s_},
        {"transfer_efficiency", &efficiency_}, {"off_current_uA", &off_uA_}, {"start_voltage_V", &start_V_},
        {"temperature_C", &temperature_C_}, {"cell_detect_V", &detect_V_}, {"overvoltage_V", &overvoltage_V_},
        {"bplus_min_V", &min_bplus_V_}, {"bplus_max_V", &max_bplus_V_}, {"cell_count", &cell_count_},
        {"trigger_mV", &trigger_mV_}, {"max_balance_current_mA", &max_current_mA_},
        {"delay_ms", &faults_.delay_ms}, {"corrupt_pct", &faults_.corrupt_pct},
        {"disconnect_after_s", &faults_.disconnect_after_s}};
    for (auto& [name, ptr] : numbers) numbers_[name] = ptr;
    for (std::size_t k = 0; k < offset_mV_.size(); ++k) {
        numbers_[fmt::format("cell_offset_mV.{}", k + 1)] = &offset_mV_[k];
        numbers_[fmt::format("cell_gain_ppm.{}", k + 1)] = &gain_ppm_[k];
    }
    const std::pair<const char*, const bool*> bools[] = {
        {"start_voltage_ignored", &start_ignored_}, {"param_write_ignored", &write_ignored_},
        {"comms_silent", &silent_}, {"balancing_switch", &switch_on_}, {"no_reply", &faults_.no_reply}};
    for (auto& [name, ptr] : bools) bools_[name] = ptr;
}

Result<double> JkModel::value(const std::string& name) const {
    if (auto it = numbers_.find(name); it != numbers_.end()) return *it->second;
    if (auto it = bools_.find(name); it != bools_.end()) return *it->second ? 1.0 : 0.0;
    return Status(Code::invalid_argument, "no numeric setting \"" + name + "\" (known: " + table_.known_names() + ")");
}

void JkModel::attach(Reactor& reactor, World& world) {
    reactor_ = &reactor;
    world_ = &world;
    if (static_cast<int>(world.dut_supply_A.size()) <= socket_index_)
        world.dut_supply_A.resize(static_cast<std::size_t>(socket_index_ + 1), 0.0);
    start_ = last_ = next_tick_ = reactor.now();
    reactor.on_advance([this](TimePoint now) { advance(now); });
    advance(start_);  // the first measurement (and power-up decision) happens now
}

Status JkModel::set(const std::string& name, const std::string& value) {
    auto st = table_.set(name, value);
    if (st && (name == "cell_count" || name == "trigger_mV" || name == "max_balance_current_mA")) {
        // Protocol values are integers on the wire.
        cell_count_ = std::round(cell_count_);
        trigger_mV_ = std::round(trigger_mV_);
        max_current_mA_ = std::round(max_current_mA_);
    }
    return st;
}

void JkModel::reset(std::uint64_t seed, bool population) {
    table_.reset();
    parse_open_pins();
    noise_rng_.seed(seed);
    comms_rng_.seed(seed ^ 0x9E3779B97F4A7C15ULL);
    if (population) {
        // A good unit, inside the manual's promises (docs/sim/dut.md, "population").
        std::mt19937_64 rng(seed * 0x2545F4914F6CDD1DULL + 0x1234567ULL);
        for (auto& o : offset_mV_) o = draw(rng, 0.0, 0.6, -2.0, 2.0);
        for (auto& g : gain_ppm_) g = draw(rng, 0.0, 100.0, -150.0, 150.0);
        noise_mV_ = draw(rng, 0.3, 0.05, 0.1, 0.5);
        balance_A_ = draw(rng, 2.0, 0.04, 1.88, 2.12);
        trigger_offset_mV_ = draw(rng, 0.0, 0.5, -1.5, 1.5);
        shutdown_V_ = draw(rng, 2.2, 0.03, 2.11, 2.29);
        power_on_V_ = draw(rng, 2.45, 0.02, 2.41, 2.51);
        supply_mW_ = draw(rng, 600.0, 60.0, 420.0, 900.0);
        temp_offset_C_ = draw(rng, 0.0, 0.5, -1.5, 1.5);
        efficiency_ = draw(rng, 0.9, 0.02, 0.84, 0.96);
        off_uA_ = draw(rng, 50.0, 5.0, 35.0, 65.0);
    }
    // A new unit in the socket starts unpowered and decides again at the next tick.
    clear_loads();
    flowing_A_ = 0.0;
    balance_at_.reset();
    state_ = PowerState::off;
    status_ = {};
    if (reactor_) {
        start_ = reactor_->now();
        next_tick_ = start_;
        advance(start_);
    }
}

void JkModel::parse_open_pins() {
    std::fill(open_pin_.begin(), open_pin_.end(), false);
    std::string_view s = open_channels_text_;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        int pin = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), pin);
        if (ec != std::errc()) break;
        i = static_cast<std::size_t>(p - s.data());
        if (pin >= 1 && pin <= jk::kMaxCells) open_pin_[static_cast<std::size_t>(pin - 1)] = true;
    }
}

int JkModel::configured() const { return std::clamp(static_cast<int>(cell_count_), 2, jk::kMaxCells); }

double JkModel::pin_V(int pin) const {
    if (!world_ || pin < 1 || pin > socket_.cell_count || pin > static_cast<int>(socket_.wiring.size()))
        return 0.0;
    return world_->pin_voltage(socket_.channel_of_pin(pin));
}

bool JkModel::pin_open(int pin) const { return open_pin_[static_cast<std::size_t>(pin - 1)]; }

void JkModel::advance(TimePoint now) {
    if (!world_ || now < last_) return;
    for (;;) {
        bool start_first = balance_at_ && *balance_at_ < next_tick_;
        TimePoint next = start_first ? *balance_at_ : next_tick_;
        if (next > now) break;
        if (start_first) {
            balance_at_.reset();
            if (state_ == PowerState::on) power(PowerState::balancing, next);
        } else {
            tick(next);
            next_tick_ = next + seconds(period_s_);
        }
    }
    last_ = now;
    update_supply();
}

void JkModel::power(PowerState s, TimePoint t) {
    if (s == state_) return;
    rig::log::get("sim.dut")->debug("jk@{}: {} -> {} at {}", socket_.name, to_string(state_), to_string(s),
                                   format_iso8601(t));
    state_ = s;
    if (s != PowerState::balancing) balance_at_.reset();
    apply_loads();
    update_supply();
}

void JkModel::tick(TimePoint t) {
    double v1 = pin_V(1);
    double bplus = world_->bplus_V();
    bool bplus_ok = bplus >= min_bplus_V_ && bplus <= max_bplus_V_;
    switch (state_) {
        case PowerState::off:
        case PowerState::shutdown:
            if (!bplus_ok || v1 <= power_on_V_) return;
            power(PowerState::on, t);
            break;
        case PowerState::on:
        case PowerState::balancing:
            if (!bplus_ok) return power(PowerState::off, t);
            if (v1 < shutdown_V_) return power(PowerState::shutdown, t);
            break;
    }
    measure();

    // Balancing decisions on what was just measured.
    int n = configured();
    int hi = 0, lo = 0;
    for (int k = 0; k < n; ++k) {
        if (measured_mV_[static_cast<std::size_t>(k)] >= measured_mV_[static_cast<std::size_t>(hi)]) hi = k;
        if (measured_mV_[static_cast<std::size_t>(k)] < measured_mV_[static_cast<std::size_t>(lo)]) lo = k;
    }
    double delta = measured_mV_[static_cast<std::size_t>(hi)] - measured_mV_[static_cast<std::size_t>(lo)];
    double trigger = trigger_mV_ + trigger_offset_mV_;
    bool above_start = start_ignored_ || measured_mV_[static_cast<std::size_t>(hi)] > start_V_ * 1000.0;
    bool allowed = switch_on_ && above_start && !status_.alarm_cell_count;
    high_pin_ = hi + 1;
    low_pin_ = lo + 1;
    if (state_ == PowerState::balancing) {
        if (!allowed || delta < trigger) power(PowerState::on, t);
        else apply_loads();  // the pair may have moved as the pack converges
    } else if (allowed && delta > trigger) {
        if (!balance_at_) balance_at_ = t + seconds(delay_s_);
    } else {
        balance_at_.reset();
    }
    // What the protocols report reflects the state after this tick's decision.
    status_.charging = status_.discharging = state_ == PowerState::balancing;
    status_.balance_current_mA =
        static_cast<std::uint16_t>(std::lround(state_ == PowerState::balancing ? flowing_A_ * 1000.0 : 0.0));
}

void JkModel::measure() {
    std::normal_distribution<double> noise(0.0, 1.0);
    int detected = 0;
    for (int pin = 1; pin <= jk::kMaxCells; ++pin) {
        auto k = static_cast<std::size_t>(pin - 1);
        double v = pin_V(pin);
        double n = noise(noise_rng_);  // drawn for every pin, so the stream does not depend on wiring
        if (v <= 0.0) {
            measured_mV_[k] = 0;
            continue;
        }
        double mV = v * 1000.0 * (1.0 + gain_ppm_[k] * 1e-6) + offset_mV_[k] + n * noise_mV_;
        measured_mV_[k] = static_cast<int>(std::clamp(std::lround(mV), 0L, 65535L));
        if (measured_mV_[k] > detect_V_ * 1000.0) ++detected;
    }
    int n = configured();
    auto& s = status_;
    s.detected_cells = static_cast<std::uint8_t>(detected);
    s.configured_cells = static_cast<std::uint8_t>(n);
    s.trigger_mV = static_cast<std::uint16_t>(trigger_mV_);
    s.max_balance_current_mA = static_cast<std::uint16_t>(max_current_mA_);
    s.balancing_switch = switch_on_;
    long sum = 0;
    int hi = 0, lo = 0;
    bool over = false;
    for (int k = 0; k < jk::kMaxCells; ++k) {
        auto ku = static_cast<std::size_t>(k);
        s.cells_mV[ku] = k < n ? static_cast<std::uint16_t>(measured_mV_[ku]) : 0;
        if (k >= n) continue;
        sum += measured_mV_[ku];
        if (measured_mV_[ku] >= measured_mV_[static_cast<std::size_t>(hi)]) hi = k;
        if (measured_mV_[ku] < measured_mV_[static_cast<std::size_t>(lo)]) lo = k;
        if (measured_mV_[ku] > overvoltage_V_ * 1000.0) over = true;
    }
    s.total_10mV = static_cast<std::uint16_t>(std::clamp((sum + 5) / 10, 0L, 65535L));
    s.average_mV = static_cast<std::uint16_t>(std::lround(static_cast<double>(sum) / n));
    s.highest_cell = static_cast<std::uint8_t>(hi);
    s.lowest_cell = static_cast<std::uint8_t>(lo);
    s.max_delta_mV = static_cast<std::uint16_t>(measured_mV_[static_cast<std::size_t>(hi)] -
                                                measured_mV_[static_cast<std::size_t>(lo)]);
    s.alarm_cell_count = detected != n;
    s.alarm_lead_resistance = false;
    s.alarm_overvoltage = over;
    s.temperature_C = temperature_C_ + temp_offset_C_;
}

void JkModel::clear_loads() {
    if (!world_) return;
    for (int ch : loaded_channels_)
        if (ch >= 1 && ch <= static_cast<int>(world_->channels.size()))
            world_->channels[static_cast<std::size_t>(ch - 1)].load_A = 0.0;
    loaded_channels_.clear();
}

void JkModel::apply_loads() {
    clear_loads();
    flowing_A_ = 0.0;
    if (!world_ || state_ != PowerState::balancing) return;
    if (!switch_on_) return;
    // The current is the hardware's, capped by the setting; it does not depend on the delta.
    double amps = std::min(balance_A_, max_current_mA_ / 1000.0);
    flowing_A_ = amps;
    auto load = [&](int pin, double a) {
        if (pin < 1 || pin > socket_.cell_count || pin > static_cast<int>(socket_.wiring.size())) return;
        if (pin_open(pin)) return;  // the lead is open: nothing flows through it
        int ch = socket_.channel_of_pin(pin);
        if (ch < 1 || ch > static_cast<int>(world_->channels.size())) return;
        world_->channels[static_cast<std::size_t>(ch - 1)].load_A = a;
        loaded_channels_.push_back(ch);
    };
    load(high_pin_, amps);                 // + : the emulator sources, the DUT discharges the cell
    load(low_pin_, -amps * efficiency_);   // - : the emulator sinks, the DUT charges the cell
}

void JkModel::update_supply() {
    if (!world_) return;
    auto& slot = world_->dut_supply_A[static_cast<std::size_t>(socket_index_)];
    double bplus = world_->bplus_V();
    if (bplus <= 0.0) slot = 0.0;
    else if (communicating()) slot = supply_mW_ * 1e-3 / bplus;
    else slot = off_uA_ * 1e-6;
}

std::uint16_t JkModel::write(Command c, std::uint16_t value) {
    auto range = jk::accepted_range(c);
    double* target = nullptr;
    switch (c) {
        case Command::set_cell_count: target = &cell_count_; break;
        case Command::set_trigger: target = &trigger_mV_; break;
        case Command::set_max_current: target = &max_current_mA_; break;
        case Command::set_switch: break;
        case Command::read_all: return 0;
    }
    double old = target ? *target : (switch_on_ ? 1.0 : 0.0);
    if (!range.contains(value)) return static_cast<std::uint16_t>(old);
    // A unit with a broken parameter store acknowledges the new value and keeps the old one.
    if (write_ignored_) return value;
    if (target) *target = value;
    else switch_on_ = value != 0;
    // Reported configuration follows at once; balancing decisions wait for the next tick,
    // except the switch, which stops the current immediately.
    status_.configured_cells = static_cast<std::uint8_t>(configured());
    status_.trigger_mV = static_cast<std::uint16_t>(trigger_mV_);
    status_.max_balance_current_mA = static_cast<std::uint16_t>(max_current_mA_);
    status_.balancing_switch = switch_on_;
    apply_loads();
    return value;
}

bool JkModel::hears() const {
    if (!communicating() || silent_ || faults_.no_reply) return false;
    if (faults_.disconnect_after_s > 0.0 && reactor_ &&
        reactor_->now() - start_ >= seconds(faults_.disconnect_after_s))
        return false;
    auto it = socket_.relay_map.find("comms");
    if (it == socket_.relay_map.end() || !world_) return true;
    auto idx = static_cast<std::size_t>(it->second);
    return it->second >= 0 && idx < world_->relays.size() && world_->relays[idx];
}

bool JkModel::drop_reply() {
    if (drop_pct_ <= 0.0) return false;
    std::uniform_real_distribution<double> u(0.0, 100.0);
    return u(comms_rng_) < drop_pct_;
}

bool JkModel::corrupt_reply() {
    if (faults_.corrupt_pct <= 0.0) return false;
    std::uniform_real_distribution<double> u(0.0, 100.0);
    return u(comms_rng_) < faults_.corrupt_pct;
}

}  // namespace rig::sim::dut
