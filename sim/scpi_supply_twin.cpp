#include "sim/scpi_supply_twin.hpp"

#include <algorithm>

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/scpi.hpp"
#include "sim/scpi_twin_util.hpp"

namespace rig::sim {
namespace {

class ScpiSupplyTwin final : public InstrumentTwin {
public:
    ScpiSupplyTwin(const InstrumentSpec& spec, const drivers::ModelFile& model)
        : InstrumentTwin(spec), model_(model), identity_(scpi_identity_of(model.name)) {
        table_.add_text("serial", &serial_, identity_.serial, "serial number in *IDN?");
        table_.add_text("idn", &idn_, "", "the whole *IDN? reply (\"\" = the model's: " + identity_.maker_model + ")");
        table_.add_number("readback_noise_mV", &noise_mV_, 1.0, "mV", "MEAS:VOLT? noise, 1 sigma", 0.0, 1000.0);
        if (model.voltage_range) v_max_ = model.voltage_range->second;
        if (model.current_range) i_max_ = model.current_range->second;
        channels_ = std::max(model.channels, 1);
        // The channel wired to B+ is the one the fixture's driver uses (options.channel).
        if (auto it = spec.options.find("channel"); it != spec.options.end())
            if (auto n = parse_number(it->second); n && *n >= 1 && *n <= channels_) bplus_channel_ = static_cast<int>(*n);
        cmd_.resize(static_cast<size_t>(channels_));
    }

private:
    struct Channel {
        double V{0.0}, I{0.5};
        bool out{false};
    };

    // The channels a command addresses: its (@list), or channel 1 without one; a channel the
    // model does not have gives -224 (a one-channel supply knows only (@1)).
    std::variant<std::vector<int>, ScpiError> addressed(const ScpiCall& c) const {
        auto chs = c.channels();
        if (!chs) return std::vector<int>{1};
        for (int ch : *chs)
            if (ch < 1 || ch > channels_) return illegal_parameter();
        return *chs;
    }
    Channel& at(int ch) { return cmd_[static_cast<size_t>(ch - 1)]; }

    // A setter for every addressed channel; a query answers for the first one.
    ScpiHandler set_number(double max, double def, double Channel::*field) {
        return [this, max, def, field](const ScpiCall& c) -> ScpiResult {
            auto chs = addressed(c);
            if (auto* e = std::get_if<ScpiError>(&chs)) return *e;
            auto v = c.number(0, 0.0, max, def);
            if (auto* e = std::get_if<ScpiError>(&v)) return *e;
            double x = std::get<double>(v);
            if (x < 0.0 || x > max) return data_out_of_range();
            for (int ch : std::get<std::vector<int>>(chs)) at(ch).*field = x;
            drive();
            return std::string();
        };
    }
    ScpiHandler query(const std::function<std::string(int channel)>& answer) {
        return [this, answer](const ScpiCall& c) -> ScpiResult {
            auto chs = addressed(c);
            if (auto* e = std::get_if<ScpiError>(&chs)) return *e;
            return answer(std::get<std::vector<int>>(chs).front());
        };
    }

    Result<FrameProtocol*> do_start() override {
        scpi_.on_idn([this] { return !idn_.empty() ? idn_ : identity_.maker_model + "," + serial_ + "," + identity_.firmware; });
        scpi_.on_reset([this] { power_on(); });
        scpi_.add("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]", set_number(v_max_, 0.0, &Channel::V));
        scpi_.add("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?",
                  query([this](int ch) { return scpi_number(at(ch).V); }));
        scpi_.add("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]", set_number(i_max_, i_max_, &Channel::I));
        scpi_.add("[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]?",
                  query([this](int ch) { return scpi_number(at(ch).I); }));
        scpi_.add("OUTPut[:STATe]", [this](const ScpiCall& c) -> ScpiResult {
            auto chs = addressed(c);
            if (auto* e = std::get_if<ScpiError>(&chs)) return *e;
            auto b = c.boolean(0);
            if (auto* e = std::get_if<ScpiError>(&b)) return *e;
            for (int ch : std::get<std::vector<int>>(chs)) at(ch).out = std::get<bool>(b);
            drive();
            return std::string();
        });
        scpi_.add("OUTPut[:STATe]?", query([this](int ch) { return std::string(at(ch).out ? "1" : "0"); }));
        // The B+ channel measures the World (frozen by stuck_output); the others have no load.
        scpi_.add("MEASure[:SCALar]:VOLTage[:DC]?", query([this](int ch) {
                      bool on = ch == bplus_channel_ ? world_->supply.output : at(ch).out;
                      double v = ch == bplus_channel_ ? world_->supply.set_V : at(ch).V;
                      return scpi_number(on ? v + noise(noise_mV_ * 1e-3) : 0.0);
                  }));
        scpi_.add("MEASure[:SCALar]:CURRent[:DC]?", query([this](int ch) {
                      return scpi_number(ch == bplus_channel_ && world_->supply.output ? world_->supply_current_A() : 0.0);
                  }));
        power_on();
        if (auto s = check_model_commands(scpi_, model_); !s) {
            // A model file from elsewhere (a real E36xx) may use more of SCPI than the twin
            // serves: say which, and serve what we can.
            rig::log::get("sim")->warn("{}: {}", id(), s.message());
        }
        return static_cast<FrameProtocol*>(&scpi_);
    }

    void power_on() override {
        std::fill(cmd_.begin(), cmd_.end(), Channel{0.0, std::min(0.5, i_max_), false});
        scpi_.clear_errors();
        drive();
    }

    // B+ follows the command of its output.
    void drive_world() override {
        auto& c = at(bplus_channel_);
        world_->supply = SupplyState{c.V, c.I, c.out};
    }

    drivers::ModelFile model_;
    ScpiIdentity identity_;
    ScpiServer scpi_;
    std::string serial_;
    std::string idn_;
    double noise_mV_{1.0};
    double v_max_{120.0};
    double i_max_{2.0};
    int channels_{1};
    int bplus_channel_{1};
    std::vector<Channel> cmd_;
};

}  // namespace

std::unique_ptr<Twin> make_scpi_supply_twin(const InstrumentSpec& spec, const drivers::ModelFile& model) {
    return std::make_unique<ScpiSupplyTwin>(spec, model);
}

}  // namespace rig::sim
