// Instrument model files: an instrument model's register map or command set as data
// (drivers/models/<model>.toml), so a new model is usually a file, not code. The rig's
// drivers and the virtual bench's twins read the same file.
//
//   [model]
//   name = "rigsim-ce24"            kind = "cell_emulator"     # as in fixtures
//   protocol = "modbus"             # modbus | scpi | ascii | jk-rs485 | jk-can | gpiod
//   manufacturer = "JK-Rig"         description = "..."
//   channels = 24                   # cell emulators; relay boards: relays / inputs
//
//   [identity]                      # how the model recognises itself at connect
//   query = "*IDN?"  match = "RIGSIM,PSU-120"     # text protocols: reply must contain `match`
//   register = "model_id"  values = [52772]        # register protocols: a register row and
//                                                  # the values it may hold
//   serial = "serial"  firmware = "firmware"       # register rows holding them (optional)
//
//   [ranges]                        # what the instrument can do (not the fixture's safe limits)
//   voltage = ["0 V", "5 V"]        current = ["-3 A", "3 A"]
//
//   [[registers]]                   # protocol = "modbus"
//   name = "voltage_set"            # the role the driver looks up
//   table = "holding"               # holding | input | coil | discrete
//   address = 100                   type = "u16"    # u16 | i16 | u32 | i32 | bit
//   scale = 0.0001                  unit = "V"      # SI value = raw * scale
//   access = "rw"                   # r | w | rw
//   channels = 24  stride = 1       # per-channel row: channel c at address + (c-1)*stride
//
//   [commands]                      # protocol = "scpi" / "ascii": templates by role;
//   set_voltage = "VOLT {value},(@{channel})"      # {value} {channel} {channels} {range} {nplc}
//   measure_voltage = "MEAS:VOLT? (@{channel})"
//   check_errors = true             # ask SYST:ERR? after every write
//
//   [accuracy.dc_volts]             # meters: ± (pct_reading % of reading + pct_range % of range)
//   ranges = ["100 mV", "1 V", "10 V", "100 V"]  pct_reading = 0.0035  pct_range = 0.0005
//   # or one figure per range: pct_reading = [0.0050, 0.0040, 0.0035, 0.0045]
//
//   [quirks]                        # scalars a driver may consult (documented per key)
//   watchdog_register = "watchdog_ms"
//
// load_model() checks every row: names unique, addresses unique within a table (including
// multi-register types and per-channel spans), scale non-zero and finite, units known,
// access valid, templates' placeholders known. Errors name file:line and the key.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rig/core/config.hpp"
#include "rig/core/units.hpp"

namespace rig::drivers {

enum class RegisterTable : unsigned char { holding, input, coil, discrete };
enum class RegisterType : unsigned char { u16, i16, u32, i32, bit };

struct RegisterDef {
    std::string name;
    RegisterTable table{RegisterTable::holding};
    int address{0};
    RegisterType type{RegisterType::u16};
    double scale{1.0};
    Unit unit{Unit::none};
    bool readable{true};
    bool writable{false};
    int channels{0};  // 0: a single register; n: one per channel
    int stride{1};
    SourcePos where;

    int words() const { return (type == RegisterType::u32 || type == RegisterType::i32) ? 2 : 1; }
    int address_of(int channel) const { return address + (channel - 1) * stride; }
};

struct AccuracySpec {
    std::vector<double> ranges;  // SI, ascending
    double pct_reading{0.0};
    double pct_range{0.0};
    // Per-range figures (datasheets give one pair per range): when the file gives arrays
    // (one entry per range), these hold them and pct_reading/pct_range hold the first.
    std::vector<double> pct_reading_by_range;
    std::vector<double> pct_range_by_range;
    double reading_pct_at(size_t i) const { return i < pct_reading_by_range.size() ? pct_reading_by_range[i] : pct_reading; }
    double range_pct_at(size_t i) const { return i < pct_range_by_range.size() ? pct_range_by_range[i] : pct_range; }
};

struct ModelFile {
    std::string file;
    std::string name;
    std::string kind;        // cell_emulator | supply | meter | relay_bank | dut_link | gpio
    std::string protocol;    // modbus | scpi | ascii | jk-rs485 | jk-can | gpiod
    std::string manufacturer;
    std::string description;
    int channels{0};
    int relays{0};
    int inputs{0};
    // identity
    std::string identity_query;
    std::string identity_match;
    std::string identity_register;
    std::vector<long> identity_values;
    std::string serial_register;
    std::string firmware_register;
    // ranges (SI)
    std::optional<std::pair<double, double>> voltage_range;
    std::optional<std::pair<double, double>> current_range;
    std::vector<RegisterDef> registers;
    std::map<std::string, std::string> commands;
    bool check_errors{false};
    std::map<std::string, AccuracySpec> accuracy;  // by function: dc_volts, dc_amps
    std::map<std::string, std::string> quirks;

    const RegisterDef* reg(std::string_view name) const;
    const std::string* command(std::string_view role) const;
    std::string quirk(std::string_view key, std::string fallback = {}) const;
};

// Loads and checks a model file; throws ConfigError naming file:line and the key.
ModelFile load_model(const std::string& path);

// Fills a command template: placeholders {value} {channel} {channels} {range} {nplc}.
// Unknown placeholders are errors at load time, so this never fails at run time.
std::string fill_template(const std::string& tmpl, const std::map<std::string, std::string>& args);

}  // namespace rig::drivers
