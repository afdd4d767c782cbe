#include "sim/riden_twin.hpp"

#include <cmath>

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/modbus.hpp"
#include "sim/register_map.hpp"

namespace rig::sim {
namespace {

using drivers::RegisterDef;
using drivers::RegisterTable;
using drivers::RegisterType;

RegisterDef holding(const char* name, int address, double scale, bool writable, RegisterType type = RegisterType::u16) {
    RegisterDef d;
    d.name = name;
    d.table = RegisterTable::holding;
    d.address = address;
    d.type = type;
    d.scale = scale;
    d.writable = writable;
    return d;
}

// protocols.md §4, RD6018 scaling (current /100 A).
std::vector<RegisterDef> rd6018_map() {
    return {holding("model_id", 0, 1, false),        holding("serial", 1, 1, false, RegisterType::u32),
            holding("firmware", 3, 0.01, false),     holding("reserved_4", 4, 1, false),
            holding("reserved_5", 5, 1, false),      holding("reserved_6", 6, 1, false),
            holding("reserved_7", 7, 1, false),      holding("voltage_set", 8, 0.01, true),
            holding("current_set", 9, 0.01, true),   holding("voltage_out", 10, 0.01, false),
            holding("current_out", 11, 0.01, false), holding("reserved_12", 12, 1, false),
            holding("power_out", 13, 0.01, false),   holding("voltage_in", 14, 0.01, false),
            holding("reserved_15", 15, 1, false),    holding("protection", 16, 1, false),
            holding("cv_cc", 17, 1, false),          holding("output", 18, 1, true),
            // Memory M0 is the working preset: its V and I are V set and I set, its OVP and
            // OCP the active protection limits.
            holding("m0_voltage", 80, 0.01, true),   holding("m0_current", 81, 0.01, true),
            holding("ovp", 82, 0.01, true),          holding("ocp", 83, 0.01, true)};
}

// What register 16 reads.
enum Protection : int { none = 0, ovp = 1, ocp = 2 };

class RidenTwin final : public InstrumentTwin {
public:
    explicit RidenTwin(const InstrumentSpec& spec)
        : InstrumentTwin(spec), map_(rd6018_map()), rtu_(map_, spec.connection.param_int("slave", 1)) {
        table_.add_number("serial", &serial_, 18001, "", "serial number (registers 1-2)", 0, 4294967295.0);
        table_.add_number("firmware", &firmware_, 1.28, "", "firmware version (register 3)", 0, 655.35);
        table_.add_number("input_V", &input_V_, 62.0, "V", "input voltage (register 14)", 0, 70);
    }

private:
    double v_out() const { return world_->supply.output ? world_->supply.set_V : 0.0; }
    double i_out() const { return world_->supply.output ? world_->supply_current_A() : 0.0; }

    Result<FrameProtocol*> do_start() override {
        auto zero = [](int) { return 0.0; };
        for (auto r : {"reserved_4", "reserved_5", "reserved_6", "reserved_7", "reserved_12", "reserved_15"})
            RIG_TRY(map_.bind(r, zero));
        RIG_TRY(map_.bind("model_id", [](int) { return 60181.0; }));
        RIG_TRY(map_.bind("serial", [this](int) { return serial_; }));
        RIG_TRY(map_.bind("firmware", [this](int) { return firmware_; }));
        auto set_in = [this](double* target, double max) {
            return [this, target, max](int, double v) {
                if (v < 0.0 || v > max + 1e-9) return ModbusException::illegal_value;
                *target = v;
                apply();
                return ModbusException::none;
            };
        };
        RIG_TRY(map_.bind("voltage_set", [this](int) { return cmd_V_; }, set_in(&cmd_V_, kMaxV)));
        RIG_TRY(map_.bind("current_set", [this](int) { return cmd_I_; }, set_in(&cmd_I_, kMaxA)));
        RIG_TRY(map_.bind("m0_voltage", [this](int) { return cmd_V_; }, set_in(&cmd_V_, kMaxV)));
        RIG_TRY(map_.bind("m0_current", [this](int) { return cmd_I_; }, set_in(&cmd_I_, kMaxA)));
        RIG_TRY(map_.bind("ovp", [this](int) { return ovp_V_; }, set_in(&ovp_V_, kMaxOvpV)));
        RIG_TRY(map_.bind("ocp", [this](int) { return ocp_A_; }, set_in(&ocp_A_, kMaxOcpA)));
        RIG_TRY(map_.bind("voltage_out", [this](int) { return v_out(); }));
        RIG_TRY(map_.bind("current_out", [this](int) { return i_out(); }));
        RIG_TRY(map_.bind("power_out", [this](int) { return v_out() * i_out(); }));
        RIG_TRY(map_.bind("voltage_in", [this](int) { return input_V_; }));
        RIG_TRY(map_.bind("protection", [this](int) { return static_cast<double>(protection_); }));
        RIG_TRY(map_.bind("cv_cc", [this](int) {
            return world_->supply.output && i_out() >= world_->supply.limit_A - 1e-9 ? 1.0 : 0.0;
        }));
        RIG_TRY(map_.bind("output", [this](int) { return cmd_out_ ? 1.0 : 0.0; }, [this](int, double v) {
            if (v != 0.0 && v != 1.0) return ModbusException::illegal_value;
            cmd_out_ = v != 0.0;
            // As on the unit: switching the output on again clears a trip's cause.
            if (cmd_out_) protection_ = Protection::none;
            apply();
            return ModbusException::none;
        }));
        RIG_TRY(map_.check_bound());
        // The DUTs' draw changes with sim time, not only with requests: check every step.
        map_.on_any_request([this] { check_protection(); });
        reactor_->on_advance([this, alive = std::weak_ptr<bool>(alive_)](TimePoint) {
            if (!alive.expired()) check_protection();  // the reactor may outlive the twin
        });
        power_on();
        return static_cast<FrameProtocol*>(&rtu_);
    }

    // Switch-on: 0 V, 0.5 A, output off, no trip; OVP/OCP at their widest.
    void power_on() override {
        cmd_V_ = 0.0;
        cmd_I_ = 0.5;
        cmd_out_ = false;
        ovp_V_ = kMaxOvpV;
        ocp_A_ = kMaxOcpA;
        protection_ = Protection::none;
        apply();
    }

    void on_setting_changed() override { apply(); }
    void drive_world() override { world_->supply = SupplyState{cmd_V_, cmd_I_, cmd_out_}; }
    // A command changed: B+ follows (unless stuck_output), checked against OVP/OCP at once.
    void apply() {
        drive();
        check_protection();
    }

    // OVP: the output voltage above the OVP limit; OCP: the output current above the OCP
    // limit. Either switches the output off and register 16 names the cause until the output
    // is switched on again.
    void check_protection() {
        if (!cmd_out_ || protection_ != Protection::none) return;
        Protection cause = v_out() > ovp_V_ + 1e-9 ? Protection::ovp
                           : i_out() > ocp_A_ + 1e-9 ? Protection::ocp
                                                     : Protection::none;
        if (cause == Protection::none) return;
        rig::log::get("sim")->warn("{}: {} tripped ({:.2f} V / {:.2f} A, limits {:.2f} V / {:.2f} A): output off", id(),
                                   cause == Protection::ovp ? "OVP" : "OCP", v_out(), i_out(), ovp_V_, ocp_A_);
        protection_ = cause;
        cmd_out_ = false;
        drive();
    }

    static constexpr double kMaxV = 60.0, kMaxA = 18.0;
    static constexpr double kMaxOvpV = 62.0, kMaxOcpA = 18.5;

    RegisterMap map_;
    ModbusRtuFraming rtu_;
    double serial_{18001};
    double firmware_{1.28};
    double input_V_{62.0};
    double cmd_V_{0.0}, cmd_I_{0.5};
    double ovp_V_{kMaxOvpV}, ocp_A_{kMaxOcpA};
    bool cmd_out_{false};
    Protection protection_{Protection::none};
    std::shared_ptr<bool> alive_{std::make_shared<bool>(true)};
};

}  // namespace

std::unique_ptr<Twin> make_riden_twin(const InstrumentSpec& spec) { return std::make_unique<RidenTwin>(spec); }

}  // namespace rig::sim
