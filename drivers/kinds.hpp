// The instrument kinds the sequencer uses, each a small interface over Instrument. Model
// files (drivers/models/*.toml) and connection strings decide which backend implements a
// kind; the sequencer never knows which one it has, nor whether a twin is on the wire.
//
// Channels are 1-based emulator channel numbers (the fixture's wiring maps DUT pins to
// them). "Many at once" calls exist because a 24-cell read must be one transaction where
// the instrument allows it.
#pragma once

#include <span>
#include <vector>

#include "drivers/instrument.hpp"
#include "rig/core/units.hpp"

namespace rig::drivers {

struct ChannelVoltage {
    int channel{1};
    Volts voltage;
};

class CellEmulator : public Instrument {
public:
    int channel_count() const { return channel_count_; }
    // Checked against safe limits (cells: voltage range, max_slew) and the interlock.
    Status set_voltages(std::span<const ChannelVoltage> setpoints);
    Result<std::vector<Volts>> read_voltages(std::span<const int> channels);
    // Current each channel sources (+) into the DUT or sinks (-) from it.
    Result<std::vector<Amps>> read_currents(std::span<const int> channels);
    Status set_outputs(std::span<const int> channels, bool on);  // on: interlock checked
    Status set_open_lead(int channel, bool open);                 // open: lead disconnected

protected:
    CellEmulator(InstrumentSpec spec, int channels) : Instrument(std::move(spec)), channel_count_(channels) {}

private:
    virtual Status do_set_voltages(std::span<const ChannelVoltage> setpoints) = 0;
    virtual Result<std::vector<Volts>> do_read_voltages(std::span<const int> channels) = 0;
    virtual Result<std::vector<Amps>> do_read_currents(std::span<const int> channels) = 0;
    virtual Status do_set_outputs(std::span<const int> channels, bool on) = 0;
    virtual Status do_set_open_lead(int channel, bool open) = 0;
    int channel_count_;
    std::vector<double> last_setpoint_;  // for max_slew
};

class Supply : public Instrument {
public:
    Status set_voltage(Volts v);        // checked against supply safe limits
    Status set_current_limit(Amps a);   // checked against supply safe limits
    Status set_output(bool on);         // on: interlock checked
    Result<Volts> measure_voltage();
    Result<Amps> measure_current();

protected:
    using Instrument::Instrument;

private:
    virtual Status do_set_voltage(Volts v) = 0;
    virtual Status do_set_current_limit(Amps a) = 0;
    virtual Status do_set_output(bool on) = 0;
    virtual Result<Volts> do_measure_voltage() = 0;
    virtual Result<Amps> do_measure_current() = 0;
};

enum class MeterFunction : unsigned char { dc_volts, dc_amps };

class Meter : public Instrument {
public:
    // range: expected magnitude (nullopt = auto); nplc: integration time in power cycles.
    Status configure(MeterFunction f, std::optional<double> range = std::nullopt, double nplc = 1.0);
    Result<double> read();  // in the configured function's SI unit
    // The uncertainty of a reading of `value` in the configured function (from the model
    // file's accuracy table: % of reading + % of range).
    double uncertainty(double value) const;

protected:
    using Instrument::Instrument;
    MeterFunction function_{MeterFunction::dc_volts};
    std::optional<double> range_;

private:
    virtual Status do_configure(MeterFunction f, std::optional<double> range, double nplc) = 0;
    virtual Result<double> do_read() = 0;
    virtual double do_uncertainty(double value) const = 0;
};

class RelayBank : public Instrument {
public:
    int relay_count() const { return relays_; }
    int input_count() const { return inputs_; }
    Status set(int relay, bool on);
    Result<std::vector<bool>> read();
    Result<std::vector<bool>> read_inputs();

protected:
    RelayBank(InstrumentSpec spec, int relays, int inputs)
        : Instrument(std::move(spec)), relays_(relays), inputs_(inputs) {}

private:
    virtual Status do_set(int relay, bool on) = 0;
    virtual Result<std::vector<bool>> do_read() = 0;
    virtual Result<std::vector<bool>> do_read_inputs() = 0;
    int relays_;
    int inputs_;
};

}  // namespace rig::drivers
