#include "sim/scpi_supply_twin.hpp"

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/scpi.hpp"
#include "sim/scpi_twin_util.hpp"

namespace rig::sim {
namespace {

class ScpiSupplyTwin final : public InstrumentTwin {
public:
    ScpiSupplyTwin(const InstrumentSpec& spec, const drivers::ModelFile& model) : InstrumentTwin(spec), model_(model) {
        table_.add_text("serial", &serial_, "PSU120-0001", "serial number in *IDN?");
        table_.add_number("readback_noise_mV", &noise_mV_, 1.0, "mV", "MEAS:VOLT? noise, 1 sigma", 0.0, 1000.0);
        if (model.voltage_range) v_max_ = model.voltage_range->second;
        if (model.current_range) i_max_ = model.current_range->second;
    }

private:
    // Channel check shared by every command: a one-channel supply knows only (@1).
    static std::optional<ScpiError> check_channel(const ScpiCall& c) {
        auto chs = c.channels();
        if (chs && (chs->size() != 1 || chs->front() != 1)) return illegal_parameter();
        return std::nullopt;
    }

    Result<FrameProtocol*> do_start() override {
        auto& w = *world_;
        scpi_.on_idn([this] { return "JK-RIG,PSU-120," + serial_ + ",1.0"; });
        scpi_.on_reset([this] { power_on(); });
        scpi_.add("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]", [this, &w](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            auto v = c.number(0, 0.0, v_max_, 0.0);
            if (auto* e = std::get_if<ScpiError>(&v)) return *e;
            double x = std::get<double>(v);
            if (x < 0.0 || x > v_max_) return data_out_of_range();
            cmd_V_ = x;
            if (!faults_.stuck_output) w.supply.set_V = x;
            return std::string();
        });
        scpi_.add("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?", [this](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            return scpi_number(cmd_V_);
        });
        scpi_.add("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]", [this, &w](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            auto v = c.number(0, 0.0, i_max_, i_max_);
            if (auto* e = std::get_if<ScpiError>(&v)) return *e;
            double x = std::get<double>(v);
            if (x < 0.0 || x > i_max_) return data_out_of_range();
            cmd_I_ = x;
            if (!faults_.stuck_output) w.supply.limit_A = x;
            return std::string();
        });
        scpi_.add("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]?", [this](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            return scpi_number(cmd_I_);
        });
        scpi_.add("OUTPut[:STATe]", [this, &w](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            auto b = c.boolean(0);
            if (auto* e = std::get_if<ScpiError>(&b)) return *e;
            cmd_out_ = std::get<bool>(b);
            if (!faults_.stuck_output) w.supply.output = cmd_out_;
            return std::string();
        });
        scpi_.add("OUTPut[:STATe]?", [this](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            return std::string(cmd_out_ ? "1" : "0");
        });
        scpi_.add("MEASure[:SCALar]:VOLTage[:DC]?", [this, &w](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            return scpi_number(w.supply.output ? w.supply.set_V + noise(noise_mV_ * 1e-3) : 0.0);
        });
        scpi_.add("MEASure[:SCALar]:CURRent[:DC]?", [this, &w](const ScpiCall& c) -> ScpiResult {
            if (auto e = check_channel(c)) return *e;
            return scpi_number(w.supply.output ? w.supply_current_A() : 0.0);
        });
        power_on();
        if (auto s = check_model_commands(scpi_, model_); !s) {
            // A model file from elsewhere (a real E36xx) may use more of SCPI than the twin
            // serves: say which, and serve what we can.
            rig::log::get("sim")->warn("{}: {}", id(), s.message());
        }
        return static_cast<FrameProtocol*>(&scpi_);
    }

    void power_on() {
        cmd_V_ = 0.0;
        cmd_I_ = std::min(0.5, i_max_);
        cmd_out_ = false;
        world_->supply = SupplyState{0.0, cmd_I_, false};
        scpi_.clear_errors();
    }

    drivers::ModelFile model_;
    ScpiServer scpi_;
    std::string serial_;
    double noise_mV_{1.0};
    double v_max_{120.0};
    double i_max_{2.0};
    double cmd_V_{0.0}, cmd_I_{0.5};
    bool cmd_out_{false};
};

}  // namespace

std::unique_ptr<Twin> make_scpi_supply_twin(const InstrumentSpec& spec, const drivers::ModelFile& model) {
    return std::make_unique<ScpiSupplyTwin>(spec, model);
}

}  // namespace rig::sim
