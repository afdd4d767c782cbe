// Line-protocol backends over ScpiClient (TCP or serial): the SCPI supply (E36xx-style) and
// meter (34461A-style), and the NGI N83624 cell emulator's ASCII command set. Commands are
// the model file's [commands] templates by role.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "drivers/backends/backends.hpp"

namespace rig::drivers {
namespace {

ScpiOptions options_for(const InstrumentSpec& spec, const ModelFile& m) {
    ScpiOptions o;
    o.timeout = spec.timeout;
    o.retries = spec.retries;
    o.check_errors = m.check_errors;
    if (auto* q = m.command("error_query")) o.error_query = *q;
    return o;
}

// Fills a template by role and writes it (the model must have the role).
class Commands {
public:
    Commands(const ModelFile& m, ScpiClient& c) : m_(m), c_(c) {}
    Result<std::string> text(std::string_view role, const std::map<std::string, std::string>& args) const {
        auto t = need_command(m_, role);
        if (!t) return t.status();
        return fill_template(**t, args);
    }
    Status write(std::string_view role, const std::map<std::string, std::string>& args) {
        auto t = text(role, args);
        if (!t) return t.status();
        return c_.write(*t);
    }
    Result<std::vector<double>> numbers(std::string_view role, const std::map<std::string, std::string>& args,
                                        size_t n) {
        auto t = text(role, args);
        if (!t) return t.status();
        return c_.query_numbers(*t, n);
    }

private:
    const ModelFile& m_;
    ScpiClient& c_;
};

// A kind over a line-protocol client: commands by role, identity by the model's query.
template <class Kind>
class ScpiBackend : public Backend<Kind, ScpiClient> {
protected:
    template <class... KindArgs>
    ScpiBackend(ModelFile m, std::unique_ptr<ScpiClient> c, KindArgs&&... kind_args)
        : Backend<Kind, ScpiClient>(std::move(m), std::move(c), std::forward<KindArgs>(kind_args)...),
          cmd_(this->m_, *this->c_) {}

    Commands cmd_;

private:
    Result<Identity> do_identify() override {
        auto reply = this->c_->query(this->m_.identity_query.empty() ? "*IDN?" : this->m_.identity_query);
        if (!reply) return reply.status();
        return parse_idn(*reply);
    }
    Status do_check_identity(const Identity& id) override { return check_identity_text(this->m_, id); }
};

// --- supply -------------------------------------------------------------------------------

class ScpiSupply : public ScpiBackend<Supply> {
public:
    ScpiSupply(InstrumentSpec spec, ModelFile m, std::unique_ptr<ScpiClient> c)
        : ScpiBackend(std::move(m), std::move(c), std::move(spec)) {
        auto it = this->spec().options.find("channel");
        channel_ = it == this->spec().options.end() ? "1" : it->second;
    }

private:
    Status do_safe() override { return do_set_output(false); }

    Status do_set_voltage(Volts v) override {
        return cmd_.write("set_voltage", {{"value", command_number(v.value)}, {"channel", channel_}});
    }
    Status do_set_current_limit(Amps a) override {
        return cmd_.write("set_current", {{"value", command_number(a.value)}, {"channel", channel_}});
    }
    Status do_set_output(bool on) override {
        auto state = on ? m_.quirk("output_on", "ON") : m_.quirk("output_off", "OFF");
        return cmd_.write("output", {{"state", state}, {"channel", channel_}});
    }
    Result<Volts> do_measure_voltage() override {
        auto v = cmd_.numbers("measure_voltage", {{"channel", channel_}}, 1);
        if (!v) return v.status();
        return Volts(v->front());
    }
    Result<Amps> do_measure_current() override {
        auto v = cmd_.numbers("measure_current", {{"channel", channel_}}, 1);
        if (!v) return v.status();
        return Amps(v->front());
    }

    std::string channel_;
};

// --- meter --------------------------------------------------------------------------------

class ScpiMeter : public ScpiBackend<Meter> {
public:
    ScpiMeter(InstrumentSpec spec, ModelFile m, std::unique_ptr<ScpiClient> c)
        : ScpiBackend(std::move(m), std::move(c), std::move(spec)) {}

private:
    Status do_safe() override { return Status::ok(); }  // a meter has no output

    static const char* fn_key(MeterFunction f) { return f == MeterFunction::dc_volts ? "dc_volts" : "dc_amps"; }

    Status do_configure(MeterFunction f, std::optional<double> range, double nplc) override {
        std::string key = fn_key(f);
        RIG_TRY(cmd_.write("configure_" + key, {{"range", range ? command_number(*range) : std::string("AUTO")}}));
        if (m_.command("nplc_" + key)) RIG_TRY(cmd_.write("nplc_" + key, {{"nplc", command_number(nplc)}}));
        return Status::ok();
    }

    Result<double> do_read() override {
        auto v = cmd_.numbers("read", {}, 1);
        if (!v) return v.status();
        return v->front();
    }

    // ± (% of reading + % of range) for the range the meter is on: the configured range
    // rounded up to the model's next range, or (auto-ranging) the smallest that holds the
    // value. No accuracy table: 0 (unknown, and the record says so through the model).
    double do_uncertainty(double value) const override {
        auto it = m_.accuracy.find(fn_key(function_));
        if (it == m_.accuracy.end() || it->second.ranges.empty()) return 0.0;
        const auto& a = it->second;
        double want = range_ ? *range_ : std::fabs(value);
        size_t i = 0;
        while (i + 1 < a.ranges.size() && a.ranges[i] < want * (1 - 1e-9)) ++i;
        return a.reading_pct_at(i) / 100.0 * std::fabs(value) + a.range_pct_at(i) / 100.0 * a.ranges[i];
    }
};

// --- NGI N83624-style ASCII cell emulator -----------------------------------------------------

class AsciiCellEmulator : public ScpiBackend<CellEmulator> {
public:
    AsciiCellEmulator(InstrumentSpec spec, ModelFile m, std::unique_ptr<ScpiClient> c)
        : ScpiBackend(std::move(m), std::move(c), std::move(spec), channels_of(m)) {}

private:
    // A plain int: whichever argument is evaluated first, the model's move leaves it intact.
    static int channels_of(const ModelFile& m) { return m.channels; }

    Status do_safe() override {
        std::vector<int> all(static_cast<size_t>(channel_count()));
        std::iota(all.begin(), all.end(), 1);
        return do_set_outputs(all, false);
    }

    // One command per distinct voltage: "SOUR:VOLT 3.3(@1,2,5)".
    Status do_set_voltages(std::span<const ChannelVoltage> setpoints) override {
        std::map<std::string, std::vector<int>> by_value;
        for (auto& sp : setpoints) by_value[command_number(sp.voltage.value)].push_back(sp.channel);
        for (auto& [value, chans] : by_value)
            RIG_TRY(cmd_.write("set_voltage", {{"value", value}, {"channels", channel_list(chans)}}));
        return Status::ok();
    }

    Result<std::vector<double>> measure(std::string_view role, std::span<const int> channels) {
        return cmd_.numbers(role, {{"channels", channel_list(channels)}}, channels.size());
    }
    Result<std::vector<Volts>> do_read_voltages(std::span<const int> channels) override {
        auto v = measure("measure_voltage", channels);
        if (!v) return v.status();
        std::vector<Volts> out;
        for (double x : *v) out.emplace_back(x);
        return out;
    }
    Result<std::vector<Amps>> do_read_currents(std::span<const int> channels) override {
        auto v = measure("measure_current", channels);
        if (!v) return v.status();
        std::vector<Amps> out;
        for (double x : *v) out.emplace_back(x);
        return out;
    }
    Status do_set_outputs(std::span<const int> channels, bool on) override {
        auto state = on ? m_.quirk("output_on", "ON") : m_.quirk("output_off", "OFF");
        return cmd_.write("output", {{"state", state}, {"channels", channel_list(channels)}});
    }
    Status do_set_open_lead(int, bool) override {
        if (!m_.command("open_lead"))
            return Status(Code::not_supported, "model " + m_.name + " has no per-channel lead relay (" + m_.file + ")");
        return Status(Code::not_supported, "open_lead command not implemented for ASCII emulators");
    }
};

template <class T>
Result<std::unique_ptr<Instrument>> make(const InstrumentSpec& spec, const ModelFile& model) {
    return make_backend<T>(spec, model, [&] { return ScpiClient::create(spec.connection, options_for(spec, model)); });
}

}  // namespace

Result<std::unique_ptr<Instrument>> make_scpi_supply(const InstrumentSpec& spec, const ModelFile& model) {
    return make<ScpiSupply>(spec, model);
}
Result<std::unique_ptr<Instrument>> make_scpi_meter(const InstrumentSpec& spec, const ModelFile& model) {
    return make<ScpiMeter>(spec, model);
}
Result<std::unique_ptr<Instrument>> make_ascii_cell_emulator(const InstrumentSpec& spec, const ModelFile& model) {
    return make<AsciiCellEmulator>(spec, model);
}

}  // namespace rig::drivers
