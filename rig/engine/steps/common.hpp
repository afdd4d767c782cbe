// Helpers the step kinds share: reading the DUT and the bench in the ways plans need
// (a DUT read that failed by silence still costs the protocol's reply time of physics time, so
// virtual and real runs see the same DUT behaviour), and the step families' entry points
// for the registry (registry.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rig/engine/step_kind.hpp"

namespace rig::engine::steps {

// One read-all. A silent or garbled DUT (timeout, bad_reply) is returned as the Status; the
// clock is moved on by the protocol's reply time for every unanswered request, so virtual
// time costs what a real DUT line would. `probe`: one request, no retry, for proving
// silence (a shut-down DUT).
enum class DutRead : unsigned char { read_all, probe };
Result<drivers::DutStatus> read_dut(StepContext& ctx, DutRead how = DutRead::read_all);
// True for statuses that mean "the DUT did not answer" rather than "the rig is broken".
bool is_dut_silence(const Status& s);

// A polling cadence anchored to when each poll STARTS, not to when its I/O ended, so the
// time a read takes (a JK read-all: ~85 ms at 9600 baud) overlaps the wait instead of
// adding to it. Made just before the first poll; wait() sleeps until one period after the
// current poll began (or `until`, if sooner; at once if that has passed), and the next poll
// starts then. In virtual time I/O takes no time: exactly `period` after the read.
class Cadence {
public:
    Cadence(StepContext& ctx, Duration period) : ctx_(ctx), period_(period), started_(ctx.now()) {}
    Status wait(TimePoint until = TimePoint::max());
    TimePoint next() const { return started_ + period_; }  // when the next poll would start

private:
    StepContext& ctx_;
    Duration period_;
    TimePoint started_;
};

// Polls read-all every `poll` until the DUT answers, `until`, or `max_silent` unanswered
// read-alls in a row (0: no limit). nullopt: it never answered.
Result<std::optional<drivers::DutStatus>> wait_dut_answers(StepContext& ctx, TimePoint until, Duration poll,
                                                          int max_silent = 0);

// B+ supply current: the meter when the socket has one (in series with B+), else the
// supply's own readback. `uncertainty` gets the reading's expanded uncertainty.
Result<double> supply_current_A(StepContext& ctx, double* uncertainty = nullptr);

// Emulator channel currents of DUT pins (+ the emulator sources, the DUT discharges that cell).
Result<std::vector<double>> pin_currents_A(StepContext& ctx, const std::vector<int>& pins);

// Sets `pins` to base and pin `high`/`low` to base ± delta/2 in one write.
Status set_pair(StepContext& ctx, double base_V, int high, int low, double delta_V);

// "50mV", "2.5V", "100V": a compact quantity for measurement names.
std::string compact(double si, Unit u);

Duration dur(Seconds s);

// Reads a value text in a DUT setting's protocol unit ("10 mV" -> 10, "1 A" -> 1000,
// "on" -> 1, "16" -> 16).
Result<int> setting_protocol_value(drivers::DutSetting s, const std::string& text);
std::optional<drivers::DutSetting> parse_setting(std::string_view name);
Unit setting_unit(drivers::DutSetting s);
double setting_to_si(drivers::DutSetting s, int protocol_value);
int setting_from_status(drivers::DutSetting s, const drivers::DutStatus& st);

// Step families (one run function per kind).
Status power_up(StepContext&);
Status power_down(StepContext&);
Status set_cells(StepContext&);
Status settle(StepContext&);
Status cell_accuracy(StepContext&);
Status cell_count(StepContext&);
Status balance_current(StepContext&);
Status balance_leads(StepContext&);
Status no_balancing(StepContext&);
Status ramp_until(StepContext&);
Status supply_power(StepContext&);
Status write_setting(StepContext&);
Status apply_settings(StepContext&);
Status temperature(StepContext&);
Status generic_set(StepContext&);
Status generic_wait(StepContext&);
Status generic_measure(StepContext&);
Status generic_check(StepContext&);

// Load-time checks of the kinds that need more than their parameter table.
void check_set_cells(Step&);
void check_write_setting(Step&);
void check_generic_set(Step&);
void check_generic_measure(Step&);
void validate_set_cells(const Step&, const Fixture&, const SocketSpec&);
void validate_generic_set(const Step&, const Fixture&, const SocketSpec&);

// "cell 7 high by 50 mV; cell 1 at 3.0 V" -> pin adjustments.
struct PatternItem {
    int pin{0};
    enum class Mode { high, low, at } mode{Mode::at};
    double value_V{0.0};
};
Result<std::vector<PatternItem>> parse_pattern(const std::string& text);

}  // namespace rig::engine::steps
