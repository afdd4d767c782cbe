#include "sim/cell_emulator_twin.hpp"

#include <algorithm>
#include <cmath>

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/modbus.hpp"
#include "sim/register_map.hpp"

namespace rig::sim {
namespace {

class CellEmulatorTwin final : public InstrumentTwin {
public:
    CellEmulatorTwin(const InstrumentSpec& spec, const drivers::ModelFile& model)
        : InstrumentTwin(spec), model_(model), map_(model.registers), tcp_(map_) {
        channels_ = std::max(model.channels, 1);
        table_.add_number("readback_noise_mV", &noise_mV_, 0.05, "mV", "voltage readback noise, 1 sigma", 0.0, 1000.0);
        table_.add_number("serial", &serial_, 24001, "", "serial number in the identity registers", 0, 4294967295.0);
        table_.add_number("firmware", &firmware_, 1.0, "", "firmware version in the identity registers", 0, 655.35);
        cmd_V_.assign(static_cast<size_t>(channels_), 0.0);
        cmd_out_.assign(static_cast<size_t>(channels_), false);
        cmd_open_.assign(static_cast<size_t>(channels_), false);
    }

    ~CellEmulatorTwin() override {
        if (wd_timer_ && reactor_) reactor_->cancel(wd_timer_);
    }

private:
    Result<FrameProtocol*> do_start() override {
        if (static_cast<int>(world_->channels.size()) < channels_) world_->channels.resize(static_cast<size_t>(channels_));
        auto v_lo = model_.voltage_range ? model_.voltage_range->first : 0.0;
        auto v_hi = model_.voltage_range ? model_.voltage_range->second : 5.0;
        long model_id = model_.identity_values.empty() ? 0 : model_.identity_values.front();
        auto wd_name = model_.quirk("watchdog_register", "watchdog_ms");
        auto ch = [](int c) { return static_cast<size_t>(c - 1); };

        struct Binding {
            std::string name;
            RegisterMap::Getter get;
            RegisterMap::Setter set;
        };
        std::vector<Binding> b = {
            {model_.identity_register.empty() ? "model_id" : model_.identity_register,
             [model_id](int) { return static_cast<double>(model_id); }, {}},
            {model_.serial_register.empty() ? "serial" : model_.serial_register, [this](int) { return serial_; }, {}},
            {model_.firmware_register.empty() ? "firmware" : model_.firmware_register,
             [this](int) { return firmware_; }, {}},
            {wd_name, [this](int) { return watchdog_s_; },
             [this](int, double v) {
                 watchdog_s_ = v;
                 feed_watchdog();
                 return ModbusException::none;
             }},
            {"voltage_set", [this, ch](int c) { return cmd_V_[ch(c)]; },
             [this, ch, v_lo, v_hi](int c, double v) {
                 if (v < v_lo - 1e-9 || v > v_hi + 1e-9) return ModbusException::illegal_value;
                 cmd_V_[ch(c)] = v;
                 drive();
                 return ModbusException::none;
             }},
            {"voltage_read",
             [this, ch](int c) {
                 auto& w = world_->channels[ch(c)];
                 return w.output ? std::max(0.0, w.set_V + noise(noise_mV_ * 1e-3)) : 0.0;
             }, {}},
            {"current_read", [this](int c) { return world_->channel_current_A(c); }, {}},
            {"output", [this, ch](int c) { return cmd_out_[ch(c)] ? 1.0 : 0.0; },
             [this, ch](int c, double v) {
                 cmd_out_[ch(c)] = v != 0.0;
                 drive();
                 return ModbusException::none;
             }},
            {"open_lead", [this, ch](int c) { return cmd_open_[ch(c)] ? 1.0 : 0.0; },
             [this, ch](int c, double v) {
                 cmd_open_[ch(c)] = v != 0.0;
                 drive();
                 return ModbusException::none;
             }},
        };
        for (auto& x : b)
            if (map_.row(x.name)) RIG_TRY(map_.bind(x.name, x.get, x.set).with_context(model_.file));
        RIG_TRY(map_.check_bound().with_context(model_.file));
        map_.on_any_request([this] { feed_watchdog(); });
        power_on();
        return static_cast<FrameProtocol*>(&tcp_);
    }

    void power_on() override {
        std::fill(cmd_V_.begin(), cmd_V_.end(), 0.0);
        std::fill(cmd_out_.begin(), cmd_out_.end(), false);
        std::fill(cmd_open_.begin(), cmd_open_.end(), false);
        // The watchdog is the bench's setting, armed by the rig at connect, not the unit's:
        // a new unit keeps it (it is off at start: watchdog_s_ starts at 0).
        feed_watchdog();
        drive();
    }

    void drive_world() override {
        for (int c = 0; c < channels_ && c < static_cast<int>(world_->channels.size()); ++c) {
            auto i = static_cast<size_t>(c);
            auto& w = world_->channels[i];
            w.set_V = cmd_V_[i];
            w.output = cmd_out_[i];
            w.open_lead = cmd_open_[i];
        }
    }

    void feed_watchdog() {
        if (wd_timer_) reactor_->cancel(wd_timer_);
        wd_timer_ = 0;
        if (watchdog_s_ <= 0.0) return;
        auto at = reactor_->now() + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(watchdog_s_));
        wd_timer_ = reactor_->call_at(at, [this] {
            wd_timer_ = 0;
            int on = 0;
            for (int c = 0; c < channels_; ++c) {
                on += cmd_out_[static_cast<size_t>(c)] ? 1 : 0;
                cmd_out_[static_cast<size_t>(c)] = false;
            }
            drive();
            rig::log::get("sim")->warn("{}: communication watchdog ({} ms) expired: {} output(s) turned off",
                                       id(), std::lround(watchdog_s_ * 1000), on);
        });
    }

    drivers::ModelFile model_;
    RegisterMap map_;
    ModbusTcpFraming tcp_;
    int channels_{24};
    double noise_mV_{0.05};
    double serial_{24001};
    double firmware_{1.0};
    double watchdog_s_{0.0};
    Reactor::TimerId wd_timer_{0};
    std::vector<double> cmd_V_;
    std::vector<bool> cmd_out_;
    std::vector<bool> cmd_open_;
};

}  // namespace

std::unique_ptr<Twin> make_cell_emulator_twin(const InstrumentSpec& spec, const drivers::ModelFile& model) {
    return std::make_unique<CellEmulatorTwin>(spec, model);
}

}  // namespace rig::sim
