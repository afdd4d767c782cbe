#include "sim/meter_twin.hpp"

#include <chrono>
#include <cmath>
#include <optional>

#include "rig/core/log.hpp"
#include "sim/instrument_twin.hpp"
#include "sim/scpi.hpp"
#include "sim/scpi_twin_util.hpp"

namespace rig::sim {
namespace {

class MeterTwin final : public InstrumentTwin {
public:
    MeterTwin(const InstrumentSpec& spec, const drivers::ModelFile& model)
        : InstrumentTwin(spec), model_(model), identity_(scpi_identity_of(model.name)) {
        table_.add_text("serial", &serial_, identity_.serial, "serial number in *IDN?");
        table_.add_text("idn", &idn_, "", "the whole *IDN? reply (\"\" = the model's: " + identity_.maker_model + ")");
        table_.add_number("noise_fraction", &noise_fraction_, 0.1, "",
                          "reading noise (1 sigma) at 10 NPLC, as a fraction of the model's accuracy", 0.0, 1.0);
        table_.add_number("line_frequency_Hz", &line_Hz_, 50.0, "Hz",
                          "power line frequency: one reading integrates NPLC / line_frequency_Hz", 1.0, 1000.0);
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

    // Integration over NPLC power-line cycles averages white noise: sigma ~ 1/sqrt(NPLC),
    // referred to 10 NPLC where the accuracy table holds. This follows the Truevolt
    // resolution table (0.2 PLC ~7x, 1 PLC ~3x, 100 PLC ~0.3x the noise of 10 PLC).
    double nplc_noise_factor() const { return std::sqrt(10.0 / nplc_.at(function_)); }

    // What a reading shows now; stuck_output freezes it at its value when the fault was set.
    std::string reading() {
        if (frozen_) return *frozen_;
        return measure_now();
    }

    std::string measure_now() {
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
            out = scpi_number(v + noise(accuracy * noise_fraction_ * nplc_noise_factor()));
        }
        return out;
    }

    // READ? and MEAS? integrate for NPLC / line frequency: the reply leaves that much later
    // in real time (in virtual time at once: I/O takes no virtual time).
    std::string timed_reading() {
        scpi_.add_busy(std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(nplc_.at(function_) / line_Hz_)));
        return reading();
    }

    // The 34461A's integration times; other values go up to the next one (-222 above 100).
    static double supported_nplc(double want) {
        for (double n : {0.02, 0.2, 1.0, 10.0, 100.0})
            if (want <= n * (1.0 + 1e-9)) return n;
        return 0.0;
    }

    Result<FrameProtocol*> do_start() override {
        scpi_.on_idn([this] { return !idn_.empty() ? idn_ : identity_.maker_model + "," + serial_ + "," + identity_.firmware; });
        scpi_.on_reset([this] { power_on(); });
        for (auto [fn, node] : {std::pair{"dc_volts", "VOLTage"}, std::pair{"dc_amps", "CURRent"}}) {
            std::string f = fn, n = node;
            scpi_.add("CONFigure[:SCALar]:" + n + "[:DC]",
                      [this, f](const ScpiCall& c) -> ScpiResult { return configure(f, c); });
            scpi_.add("MEASure[:SCALar]:" + n + "[:DC]?", [this, f](const ScpiCall& c) -> ScpiResult {
                auto r = configure(f, c);
                if (std::holds_alternative<ScpiError>(r)) return r;
                return timed_reading();
            });
            // NPLC is kept per function, as on the real meter.
            scpi_.add("[SENSe:]" + n + "[:DC]:NPLCycles", [this, f](const ScpiCall& c) -> ScpiResult {
                auto v = c.number(0, 0.02, 100.0, 10.0);
                if (auto* e = std::get_if<ScpiError>(&v)) return *e;
                double x = std::get<double>(v);
                if (x < 0.02 - 1e-12 || supported_nplc(x) == 0.0) return data_out_of_range();
                nplc_[f] = supported_nplc(x);
                return std::string();
            });
            scpi_.add("[SENSe:]" + n + "[:DC]:NPLCycles?",
                      [this, f](const ScpiCall&) -> ScpiResult { return scpi_number(nplc_.at(f)); });
        }
        scpi_.add("READ?", [this](const ScpiCall&) -> ScpiResult { return timed_reading(); });
        scpi_.add("CONFigure?", [this](const ScpiCall&) -> ScpiResult {
            auto& acc = accuracy_[function_];
            double r = range_ > 0.0 ? range_ : acc.ranges.back();
            return "\"" + std::string(function_ == "dc_volts" ? "VOLT" : "CURR") + " " + scpi_number(r) + "\"";
        });
        power_on();
        if (auto s = check_model_commands(scpi_, model_); !s) rig::log::get("sim")->warn("{}: {}", id(), s.message());
        return static_cast<FrameProtocol*>(&scpi_);
    }

    // *RST and switch-on: DC volts, auto range, 10 NPLC on both functions, no errors. A
    // reading frozen by stuck_output stays frozen (a stuck display survives *RST).
    void power_on() override {
        function_ = "dc_volts";
        range_ = 0.0;
        nplc_ = {{"dc_volts", 10.0}, {"dc_amps", 10.0}};
        scpi_.clear_errors();
    }

    void on_setting_changed() override {
        if (faults_.stuck_output && !frozen_ && world_) frozen_ = measure_now();
        if (!faults_.stuck_output) frozen_.reset();
    }

    drivers::ModelFile model_;
    std::map<std::string, drivers::AccuracySpec> accuracy_;
    ScpiIdentity identity_;
    ScpiServer scpi_;
    std::string serial_;
    std::string idn_;
    double noise_fraction_{0.1};
    double line_Hz_{50.0};
    std::string function_{"dc_volts"};
    double range_{0.0};
    std::map<std::string, double> nplc_{{"dc_volts", 10.0}, {"dc_amps", 10.0}};
    std::optional<std::string> frozen_;
};

}  // namespace

std::unique_ptr<Twin> make_meter_twin(const InstrumentSpec& spec, const drivers::ModelFile& model) {
    return std::make_unique<MeterTwin>(spec, model);
}

}  // namespace rig::sim
