// rig probe --fixture F: what a technician runs first on a new bench. Connects to every
// instrument of the fixture (and the DUT link), prints who each one says it is and one
// decoded reading, and reads each socket's interlock. Exit 0 when everything answered,
// 2 naming whatever did not (or when interrupted), 3 for a bad fixture (file:line).
// Without --power it only reads, and an unpowered DUT cannot answer. With --power each
// socket in turn is energised through the engine's Bench and the power_up step kind, as a
// plan's first step does it (interlock checked, safe limits, the kind's plan-independent
// defaults: cells 3.3 V, B+ 48 V, 0.2 A), its DUT read, and the bench put safe again, also
// on an error or SIGINT/SIGTERM. At the end every instrument is left safe.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <numeric>
#include <sstream>
#include <tuple>

#include "drivers/dut_link.hpp"
#include "drivers/factory.hpp"
#include "drivers/gpio.hpp"
#include "drivers/kinds.hpp"
#include "rig/cli/commands.hpp"
#include "rig/cli/signal_stop.hpp"
#include "rig/core/log.hpp"
#include "rig/engine/session.hpp"
#include "rig/core/units.hpp"
#include "rig/fixture/fixture.hpp"

namespace rig::cli {
namespace {

using namespace rig::drivers;

std::string today_utc() {
    auto d = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return buf;
}

std::string fixed(double v, int decimals, std::string_view unit) {
    return format_fixed(v, decimals) + " " + std::string(unit);
}

std::string bits(const std::vector<bool>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(i) + (v[i] ? ":on" : ":off");
    return s;
}

// One reading per kind; returns the error if the instrument did not answer.
Status read_one(Instrument& inst, const Fixture& fx, std::ostream& out) {
    if (auto* emu = dynamic_cast<CellEmulator*>(&inst)) {
        std::vector<int> ch(static_cast<size_t>(emu->channel_count()));
        std::iota(ch.begin(), ch.end(), 1);
        auto v = emu->read_voltages(ch);
        if (!v) return v.status();
        auto a = emu->read_currents(ch);
        if (!a) return a.status();
        for (size_t i = 0; i < ch.size(); ++i)
            out << (i % 6 == 0 ? "\n    " : "  ") << "ch" << ch[i] << " " << fixed((*v)[i].value, 4, "V") << " "
                << fixed((*a)[i].value, 3, "A");
        out << "\n";
        return Status::ok();
    }
    if (auto* psu = dynamic_cast<Supply*>(&inst)) {
        auto v = psu->measure_voltage();
        if (!v) return v.status();
        auto a = psu->measure_current();
        if (!a) return a.status();
        out << "    measured " << fixed(v->value, 3, "V") << ", " << fixed(a->value, 4, "A") << "\n";
        return Status::ok();
    }
    if (auto* dmm = dynamic_cast<Meter*>(&inst)) {
        RIG_TRY(dmm->configure(MeterFunction::dc_volts));
        auto r = dmm->read();
        if (!r) return r.status();
        out << "    DC voltage " << fixed(*r, 6, "V") << " ± " << format_quantity(dmm->uncertainty(*r), Unit::volt)
            << " (auto range)\n";
        return Status::ok();
    }
    if (auto* rly = dynamic_cast<RelayBank*>(&inst)) {
        auto s = rly->read();
        if (!s) return s.status();
        out << "    relays  " << bits(*s) << "\n";
        if (rly->input_count() > 0) {
            auto in = rly->read_inputs();
            if (!in) return in.status();
            out << "    inputs  " << bits(*in) << "\n";
        }
        return Status::ok();
    }
    if (auto* gpio = dynamic_cast<GpioBank*>(&inst)) {
        auto lines = gpio->read_all();
        if (!lines) return lines.status();
        out << "   ";
        for (auto& [name, level] : *lines) out << " " << name << "=" << (level ? "active" : "inactive");
        out << "\n";
        return Status::ok();
    }
    if (auto* dut = dynamic_cast<DutLink*>(&inst)) {
        for (auto& s : fx.sockets)
            if (s.dut == inst.id()) dut->set_address(s.dut_address);
        auto st = dut->read_all();
        if (!st) return st.status();
        out << "    total voltage         " << fixed(st->total.value, 2, "V") << "\n"
            << "    average cell voltage  " << fixed(st->average.value, 3, "V") << "\n"
            << "    detected cells        " << st->detected_cells << "\n"
            << "    configured cells      " << st->configured_cells << "\n"
            << "    highest / lowest cell " << st->highest_cell << " / " << st->lowest_cell << " (0-based index)\n"
            << "    balancing             " << (st->charging ? "charging " : "") << (st->discharging ? "discharging" : "")
            << (st->balancing() ? "" : "no") << "\n"
            << "    alarms                " << (st->alarm_cell_count ? "cell-count " : "")
            << (st->alarm_lead_resistance ? "lead-resistance " : "") << (st->alarm_overvoltage ? "over-voltage" : "")
            << (st->alarm_cell_count || st->alarm_lead_resistance || st->alarm_overvoltage ? "" : "none") << "\n"
            << "    max delta             " << fixed(st->max_delta.value * 1000, 0, "mV") << "\n"
            << "    balance current       " << fixed(st->balance_current.value, 3, "A") << "\n"
            << "    trigger delta         " << fixed(st->trigger_delta.value * 1000, 0, "mV") << "\n"
            << "    max balance current   " << fixed(st->max_balance_current.value, 3, "A") << "\n"
            << "    balancing switch      " << (st->balancing_switch ? "on" : "off") << "\n"
            << "    temperature           "
            << (st->temperature ? fixed(st->temperature->value, 1, "°C") : std::string("not reported")) << "\n"
            << "    cells";
        for (size_t i = 0; i < st->cells.size(); ++i)
            out << (i % 6 == 0 ? "\n     " : " ") << " B" << i + 1 << " " << fixed(st->cells[i].value, 3, "V");
        out << "\n";
        return Status::ok();
    }
    return Status(Code::not_supported, "no probe reading for this kind");
}

struct ProbeOptions {
    std::string fixture;
    std::string today;
    bool power{false};
    std::string cell_voltage;  // "" = the power_up kind's default
    std::string bplus;         // "" = the power_up kind's default
};

// --power, one socket: energise it as a plan's power_up step does, read its DUT, safe it.
// Everything that did not work goes to `failed`.
void power_and_read(const Fixture& fx, const SocketSpec& sock, engine::InstrumentPool& pool,
                    const engine::PowerUpOverrides& overrides, const std::string& today, std::stop_token stop,
                    std::vector<std::string>& failed) {
    std::cout << "\nsocket " << sock.name << ": powering up (cells, relays, B+) ...\n" << std::flush;
    auto bench = engine::Bench::open(fx, sock, pool);
    if (!bench) {
        std::cout << "socket " << sock.name << " NOT POWERED " << bench.status().describe() << "\n";
        failed.push_back("socket " + sock.name + " power (" + bench.status().describe() + ")");
        return;
    }
    SteadyClock clock;
    auto up = (*bench)->connect_all(today);
    auto answered = up ? engine::power_up_socket(fx, **bench, clock, overrides, stop) : Result<bool>(up);
    if (!answered) {
        std::cout << "socket " << sock.name << " NOT POWERED " << answered.status().describe() << "\n";
        failed.push_back("socket " + sock.name + " power (" + answered.status().describe() + ")");
    } else if (!*answered) {
        std::cout << "socket " << sock.name << " powered, but DUT " << sock.dut
                  << " did not answer within the power-up timeout\n";
        failed.push_back(sock.dut + " (no answer after power-up of socket " + sock.name + ")");
    } else {
        std::cout << "socket " << sock.name << " powered; " << sock.dut << " read-all:\n";
        auto s = read_one(*(*bench)->dut(), fx, std::cout);
        if (!s) {
            std::cout << "  NO READING " << s.describe() << "\n";
            failed.push_back(sock.dut + " (" + s.describe() + ")");
        }
    }
    // Whatever happened above (an error, a stop request): this socket goes safe now.
    if (auto s = (*bench)->safe(); !s) failed.push_back("socket " + sock.name + " safe state (" + s.describe() + ")");
    else std::cout << "socket " << sock.name << " safe (B+ off, cells off, relays at rest)\n";
}

int probe(const ProbeOptions& opt) {
    const std::string& fixture_path = opt.fixture;
    const std::string& today_override = opt.today;
    // The report goes to stdout; driver logs (warnings and errors only) to stderr.
    log::setup(log::Options{.level = "warn", .file = {}, .to_stderr = true});
    Fixture fx;
    try {
        fx = load_fixture(fixture_path);
    } catch (const ConfigError& e) {
        std::cerr << "rig probe: bad fixture: " << e.what() << "\n";
        return kExitBadInput;
    }
    engine::PowerUpOverrides overrides;
    for (auto [text, target, flag] : {std::tuple{&opt.cell_voltage, &overrides.cells, "--cell-voltage"},
                                      std::tuple{&opt.bplus, &overrides.supply_voltage, "--bplus"}}) {
        if (text->empty()) continue;
        auto v = parse<Volts>(*text);
        if (!v) {
            std::cerr << "rig probe: " << flag << ": " << v.status().describe() << "\n";
            return kExitBadInput;
        }
        *target = *v;
    }
    if (opt.power)
        for (auto& sock : fx.sockets)
            if (auto st = engine::check_power_up(fx, sock, overrides); !st) {
                std::cerr << "rig probe: --power: " << st.message() << "\n";
                return kExitBadInput;
            }
    SignalStop signals;
    const std::string today = today_override.empty() ? today_utc() : today_override;
    std::cout << "fixture " << fx.name << " (station " << fx.station << ", " << fx.file << "), today " << today << "\n";

    engine::InstrumentPool pool(fx);
    std::vector<std::string> failed;
    // Instruments first, DUT links last: with --power the DUT is read once its socket is up.
    std::vector<const InstrumentSpec*> order;
    for (auto& spec : fx.instruments)
        if (spec.kind != InstrumentKind::dut_link) order.push_back(&spec);
    for (auto& spec : fx.instruments)
        if (spec.kind == InstrumentKind::dut_link) order.push_back(&spec);
    for (auto* sp : order) {
        auto& spec = *sp;
        std::cout << "\n" << spec.id << "  " << to_string(spec.kind) << "  " << spec.model << "  " << spec.connection_text
                  << "\n";
        auto inst = open_instrument(spec);
        if (!inst) {
            std::cout << "  NOT READY  " << inst.status().describe() << "\n";
            failed.push_back(spec.id + " (" + inst.status().describe() + ")");
            continue;
        }
        if (spec.kind == InstrumentKind::cell_emulator) {
            if (auto* l = fx.limits("cells")) (*inst)->set_safe_limits(*l);
        } else if (spec.kind == InstrumentKind::supply) {
            if (auto* l = fx.limits("supply")) (*inst)->set_safe_limits(*l);
        }
        if (auto s = (*inst)->connect(today); !s) {
            std::cout << "  NO ANSWER  " << s.describe() << "\n";
            failed.push_back(spec.id + " (" + s.describe() + ")");
            continue;
        }
        pool.adopt(*inst);  // answered at connect: the sockets' benches use this one
        auto& id = (*inst)->identity();
        std::cout << "  identity   " << (id.manufacturer.empty() ? "-" : id.manufacturer) << " / "
                  << (id.model.empty() ? "-" : id.model) << " / serial " << (id.serial.empty() ? "-" : id.serial)
                  << " / firmware " << (id.firmware.empty() ? "-" : id.firmware);
        if (!id.raw.empty()) std::cout << "  [" << id.raw << "]";
        std::cout << "\n";
        if (spec.kind == InstrumentKind::dut_link && opt.power) {
            std::cout << "  (read once its socket is powered, below)\n";
            continue;
        }
        std::ostringstream reading;
        auto s = read_one(**inst, fx, reading);
        std::cout << reading.str();
        if (!s) {
            std::cout << "  NO READING " << s.describe() << "\n";
            if (spec.kind == InstrumentKind::dut_link)
                std::cout << "             (an unpowered DUT cannot answer: --power energises the sockets first)\n";
            failed.push_back(spec.id + " (" + s.describe() + ")");
        }
    }
    if (opt.power)
        for (auto& sock : fx.sockets) {
            if (signals.token().stop_requested()) break;
            power_and_read(fx, sock, pool, overrides, today, signals.token(), failed);
        }

    for (auto& sock : fx.sockets) {
        if (!sock.interlock) continue;
        std::cout << "\nsocket " << sock.name << " interlock (" << sock.interlock->instrument << " input "
                  << sock.interlock->input << "): ";
        auto il = pool.get(sock.interlock->instrument);
        if (!il || !(*il)->connected()) {
            std::cout << "unknown (" << sock.interlock->instrument << " did not answer)\n";
            continue;
        }
        auto closed = make_interlock_probe(*il, *sock.interlock)();
        if (!closed) {
            std::cout << "NOT READ " << closed.status().describe() << "\n";
            failed.push_back("socket " + sock.name + " interlock (" + closed.status().describe() + ")");
        } else {
            std::cout << (*closed ? "closed (outputs may energise)" : "OPEN (outputs refused)") << "\n";
        }
    }

    // Every instrument safe, B+ first (the benches did their sockets already; this also
    // covers a supply shared between sockets and instruments no socket names).
    if (auto s = pool.safe_all(); !s) failed.push_back(s.describe());

    std::cout << "\n";
    if (signals.signal() != 0) {
        std::cout << "probe: interrupted; every instrument was put in its safe state\n";
        return 2;
    }
    if (failed.empty()) {
        std::cout << "probe: all " << fx.instruments.size() << " instruments answered\n";
        return 0;
    }
    std::cout << "probe: " << failed.size() << " did not answer:\n";
    for (auto& f : failed) std::cout << "  " << f << "\n";
    return 2;
}

}  // namespace

void add_probe_command(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("probe", "Connect to every instrument of a fixture and the DUT; print identity and one reading each");
    auto o = std::make_shared<ProbeOptions>();
    cmd->add_option("--fixture,-f", o->fixture, "fixture file (fixtures/*.toml, or a virtual bench's resolved fixture)")
        ->required();
    cmd->add_option("--today", o->today, "date calibration is checked against (YYYY-MM-DD; default: today, UTC)");
    cmd->add_flag("--power", o->power,
                  "energise each socket in turn as a plan's power_up step does (cells, comms and B+ relays, B+; "
                  "interlock and safe limits checked), read its DUT, then put it safe again");
    cmd->add_option("--cell-voltage", o->cell_voltage, "cell voltage for --power (default: power_up's, 3.3 V)");
    cmd->add_option("--bplus", o->bplus, "B+ for --power (default: power_up's, 48 V)");
    cmd->callback([o, &exit_code] { exit_code = probe(*o); });
}

}  // namespace rig::cli
