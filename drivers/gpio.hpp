// GPIO lines of a real bench (lid interlock, emergency stop, LED photo-sensor, lamps)
// through libgpiod: the fixture instrument of kind "gpio" (model linux-gpiod).
//
//   GpioChip     the wire: a Linux gpiochip opened with libgpiod (v1 API), reading and
//                driving lines by the chip's line name ("GPIO17") or offset ("17"), at the
//                physical level.
//   GpioLineMap  pure mapping, no I/O (unit-tested): the fixture's own line names to chip
//                lines, with active level and direction, from the instrument's options:
//                  [instruments.io.options]
//                  lid = "GPIO17:active_low"     lamp = "22:output"
//                A name the options do not map is taken as a chip line name, active high.
//   GpioBank     the Instrument: logical levels by fixture name; safe() drives every
//                output line inactive. Interlock: closed when the logical level of the
//                interlock's line equals the fixture's closed_level.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "drivers/instrument.hpp"

namespace rig::drivers {

class GpioChip {
public:
    // `chip`: "gpiochip0", "/dev/gpiochip0", a chip label or number (gpiod_chip_open_lookup).
    [[nodiscard]] static Result<std::unique_ptr<GpioChip>> open(const std::string& chip, const std::string& consumer);
    virtual ~GpioChip() = default;
    virtual std::string describe() const = 0;  // "gpiochip0 [pinctrl-bcm2711] 58 lines"
    [[nodiscard]] virtual Result<bool> read(const std::string& line) = 0;  // physical level
    [[nodiscard]] virtual Status write(const std::string& line, bool level) = 0;
};

struct GpioLine {
    std::string name;       // the fixture's name ("lid")
    std::string chip_line;  // the chip's line name or offset ("GPIO17", "17")
    bool active_low{false};
    bool output{false};
};

class GpioLineMap {
public:
    // Options "name = LINE[:active_low][:active_high][:output][:input]"; errors name the key.
    [[nodiscard]] static Result<GpioLineMap> parse(const std::map<std::string, std::string>& options);
    GpioLine resolve(const std::string& name) const;
    const std::vector<GpioLine>& lines() const { return lines_; }

    static bool logical(const GpioLine& l, bool physical) { return physical != l.active_low; }
    static bool physical(const GpioLine& l, bool logical) { return logical != l.active_low; }

private:
    std::vector<GpioLine> lines_;
};

// The interlock rule: closed (safe to energise) when the input's logical level is the
// fixture's closed_level.
inline bool interlock_closed(bool logical_level, bool closed_level) { return logical_level == closed_level; }

class GpioBank final : public Instrument {
public:
    using ChipOpener = std::function<Result<std::unique_ptr<GpioChip>>(const std::string& chip)>;
    // `opener` defaults to GpioChip::open; tests pass a fake chip.
    GpioBank(InstrumentSpec spec, GpioLineMap map, ChipOpener opener = {});
    ~GpioBank() override;

    Result<bool> read(const std::string& name);           // logical level
    Status write(const std::string& name, bool active);   // output lines only
    // Every mapped line with its logical level (for `rig probe`).
    Result<std::vector<std::pair<std::string, bool>>> read_all();
    const GpioLineMap& map() const { return map_; }

private:
    Status do_open() override;
    Result<Identity> do_identify() override;
    Status do_safe() override;
    void do_close() override;

    GpioLineMap map_;
    ChipOpener opener_;
    std::unique_ptr<GpioChip> chip_;
};

}  // namespace rig::drivers
