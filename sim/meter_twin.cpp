#include "sim/meter_twin.hpp"

#include <cmath>

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/scpi.hpp"
#include "sim/scpi_twin_util.hpp"

namespace rig::sim {
namespace {

class MeterTwin final : public InstrumentTwin {
public:
    MeterTwin(const InstrumentSpec& spec, const drivers::ModelFile& model) : InstrumentTwin(spec), model_(model) {
        table_.add_text("serial", &serial_, "DMM6-0001", "serial number in *IDN?");
        table_.add_number("noise_fraction", &noise_fraction_, 0.1, "",
                          "reading noise (1 sigma) as a fraction of the model's accuracy", 0.0, 1.0);
        // A model without an accuracy table still measures: 34461A-like figures.
        auto spec_of = [&](const char* fn, std::vector<double> ranges, double rd, double rg) {
            if (auto it = model.accuracy.find(fn); it != model.accuracy.end() && !it->second.ranges.empty())
                return it->second;
            drivers::AccuracySpec a;
            a.ranges = std::move(ranges);
            a.pct_reading = rd;
            a.pct_range = rg;
            return a;
        };
        accuracy_["dc_volts"] = spec_of("dc_volts", {0.1, 1, 10, 100, 1000}, 0.0035, 0.0005);
        accuracy_["dc_amps"] = spec_of("dc_amps", {1e-4, 1e-3, 1e-2, 0.1, 1, 3}, 0.05, 0.005);
    }

private:
    // range 0 = auto.
    ScpiResult configure(const std::string& function, const ScpiCall& c) {
        auto& acc = accuracy_[function];
        double range = 0.0;
        auto p = c.plain();
        if (!p.empty() && !p[0].empty()) {
            std::string u = p[0];
            for (auto& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (u != "AUTO" && u != "DEF") {
                auto v = c.number(0, acc.ranges.front(), acc.ranges.back(), 0.0);
                if (auto* e = std::get_if<ScpiError>(&v)) return *e;
                double want = std::fabs(std::get<double>(v));
                range = -1.0;
                for (double r : acc.ranges)
                    if (want <= r * (1.0 + 1e-9)) {
                        range = r;
                        break;
                    }
                if (range < 0.0) return data_out_of_range();
            }
        }
        function_ = function;
        range_ = range;
        return std::string();
    }

    double truth() const {
        return function_ == "dc_volts" ? world_->bplus_V() : world_->supply_current_A();
    }

    std::string reading() {
        if (faults_.stuck_output && have_last_) return last_;
        auto& acc = accuracy_[function_];
        double v = truth();
        size_t idx = acc.ranges.size() - 1;
        for (size_t i = 0; i < acc.ranges.size(); ++i)
            if (range_ > 0.0 ? std::fabs(acc.ranges[i] - range_) <= 1e-12 * acc.ranges[i]
                             : std::fabs(v) <= acc.ranges[i] * 1.2) {
                idx = i;
                break;
            }
        double range = acc.ranges[idx];
        std::string out;
        if (std::fabs(v) > range * 1.2) {
            out = "+9.90000000E+37";
        } else {
            double accuracy = acc.reading_pct_at(idx) / 100.0 * std::fabs(v) + acc.range_pct_at(idx) / 100.0 * range;
            out = scpi_number(v + noise(accuracy * noise_fraction_));
        }
        last_ = out;
        have_last_ = true;
        return out;
    }

    Result<FrameProtocol*> do_start() override {
        scpi_.on_idn([this] { return "JK-RIG,DMM-6," + serial_ + ",1.0"; });
        scpi_.on_reset([this] { power_on(); });
        for (auto [fn, node] : {std::pair{"dc_volts", "VOLTage"}, std::pair{"dc_amps", "CURRent"}}) {
            std::string f = fn, n = node;
            scpi_.add("CONFigure[:SCALar]:" + n + "[:DC]",
                      [this, f](const ScpiCall& c) -> ScpiResult { return configure(f, c); });
            scpi_.add("MEASure[:SCALar]:" + n + "[:DC]?", [this, f](const ScpiCall& c) -> ScpiResult {
                auto r = configure(f, c);
                if (std::holds_alternative<ScpiError>(r)) return r;
                return reading();
            });
            scpi_.add("[SENSe:]" + n + "[:DC]:NPLCycles", [this](const ScpiCall& c) -> ScpiResult {
                auto v = c.number(0, 0.02, 100.0, 10.0);
                if (auto* e = std::get_if<ScpiError>(&v)) return *e;
                double x = std::get<double>(v);
                if (x < 0.02 - 1e-12 || x > 100.0) return data_out_of_range();
                nplc_ = x;
                return std::string();
            });
            scpi_.add("[SENSe:]" + n + "[:DC]:NPLCycles?",
                      [this](const ScpiCall&) -> ScpiResult { return scpi_number(nplc_); });
        }
        scpi_.add("READ?", [this](const ScpiCall&) -> ScpiResult { return reading(); });
        scpi_.add("CONFigure?", [this](const ScpiCall&) -> ScpiResult {
            auto& acc = accuracy_[function_];
            double r = range_ > 0.0 ? range_ : acc.ranges.back();
            return "\"" + std::string(function_ == "dc_volts" ? "VOLT" : "CURR") + " " + scpi_number(r) + "\"";
        });
        power_on();
        if (auto s = check_model_commands(scpi_, model_); !s) rig::log::get("sim")->warn("{}: {}", id(), s.message());
        return static_cast<FrameProtocol*>(&scpi_);
    }

    void power_on() {
        function_ = "dc_volts";
        range_ = 0.0;
        nplc_ = 10.0;
        have_last_ = false;
        scpi_.clear_errors();
    }

    void on_setting_changed() override {
        if (!faults_.stuck_output) have_last_ = false;
    }

    drivers::ModelFile model_;
    std::map<std::string, drivers::AccuracySpec> accuracy_;
    ScpiServer scpi_;
    std::string serial_;
    double noise_fraction_{0.1};
    std::string function_{"dc_volts"};
    double range_{0.0};
    double nplc_{10.0};
    std::string last_;
    bool have_last_{false};
};

}  // namespace

std::unique_ptr<Twin> make_meter_twin(const InstrumentSpec& spec, const drivers::ModelFile& model) {
    return std::make_unique<MeterTwin>(spec, model);
}

}  // namespace rig::sim
