#include "sim/relay_twin.hpp"

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/modbus.hpp"
#include "sim/register_map.hpp"

namespace rig::sim {
namespace {

class RelayTwin final : public InstrumentTwin {
public:
    RelayTwin(const InstrumentSpec& spec, const drivers::ModelFile& model, std::vector<bool> default_inputs)
        : InstrumentTwin(spec), model_(model), map_(model.registers),
          rtu_(map_, spec.connection.param_int("slave", 1)) {
        relays_ = model.relays > 0 ? model.relays : 8;
        int inputs = model.inputs > 0 ? model.inputs : 8;
        default_inputs.resize(static_cast<size_t>(inputs), false);
        table_.add_bool_indexed("input", &inputs_, 0, default_inputs, "digital input level",
                                [this](int i) {
                                    if (world_ && static_cast<size_t>(i) < world_->inputs.size())
                                        world_->inputs[static_cast<size_t>(i)] = inputs_[static_cast<size_t>(i)];
                                });
        table_.add_number("firmware", &firmware_, 1.0, "", "firmware version (where the model has a row)", 0, 655.35);
        all_coil_ = std::stoi(model.quirk("all_relays_coil", "255"));
        toggle_ = std::stoi(model.quirk("toggle_value", "21760"));
    }

private:
    ModbusException switch_relay(int index, int how) {  // how: 0 off, 1 on, 2 toggle
        auto apply = [&](int i) {
            auto r = cmd_relays_[static_cast<size_t>(i)];  // vector<bool> proxy
            r = how == 2 ? !r : how == 1;
        };
        if (index == all_coil_) {
            for (int i = 0; i < relays_; ++i) apply(i);
        } else {
            if (index < 0 || index >= relays_) return ModbusException::illegal_address;
            apply(index);
        }
        drive();
        return ModbusException::none;
    }

    void drive_world() override {
        for (int i = 0; i < relays_; ++i) world_->relays[static_cast<size_t>(i)] = cmd_relays_[static_cast<size_t>(i)];
    }

    // Switch-on: every relay at rest (open); the inputs are what is wired to them (settings).
    void power_on() override {
        cmd_relays_.assign(static_cast<size_t>(relays_), false);
        drive();
    }

    Result<FrameProtocol*> do_start() override {
        if (static_cast<int>(world_->relays.size()) < relays_) world_->relays.resize(static_cast<size_t>(relays_));
        if (world_->inputs.size() < inputs_.size()) world_->inputs.resize(inputs_.size());
        for (size_t i = 0; i < inputs_.size(); ++i) world_->inputs[i] = inputs_[i];
        if (map_.row("relay"))
            RIG_TRY(map_.bind(
                "relay", [this](int c) { return world_->relays[static_cast<size_t>(c - 1)] ? 1.0 : 0.0; },
                [this](int c, double v) { return switch_relay(c - 1, v != 0.0 ? 1 : 0); }));
        if (map_.row("input"))
            RIG_TRY(map_.bind("input", [this](int c) {
                auto i = static_cast<size_t>(c - 1);
                return i < world_->inputs.size() && world_->inputs[i] ? 1.0 : 0.0;
            }));
        if (map_.row("firmware")) RIG_TRY(map_.bind("firmware", [this](int) { return firmware_; }));
        RIG_TRY(map_.check_bound().with_context(model_.file));
        power_on();
        map_.on_special_coil([this](int address, std::uint16_t value) {
            if (value == toggle_) return switch_relay(address, 2);
            if (address == all_coil_ && (value == 0xFF00 || value == 0x0000)) return switch_relay(address, value ? 1 : 0);
            return address == all_coil_ ? ModbusException::illegal_value : ModbusException::illegal_address;
        });
        return static_cast<FrameProtocol*>(&rtu_);
    }

    void on_setting_changed() override {
        for (size_t i = 0; i < inputs_.size(); ++i) world_->inputs[i] = inputs_[i];
        drive();
    }

    drivers::ModelFile model_;
    RegisterMap map_;
    ModbusRtuFraming rtu_;
    int relays_{8};
    std::vector<bool> cmd_relays_;
    std::vector<bool> inputs_;
    double firmware_{1.0};
    int all_coil_{255};
    int toggle_{0x5500};
};

}  // namespace

std::unique_ptr<Twin> make_relay_twin(const InstrumentSpec& spec, const drivers::ModelFile& model,
                                      std::vector<bool> default_inputs) {
    return std::make_unique<RelayTwin>(spec, model, std::move(default_inputs));
}

}  // namespace rig::sim
