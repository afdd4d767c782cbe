// rig probe --fixture F: what a technician runs first on a new bench. Connects to every
// instrument of the fixture (and the DUT link), prints who each one says it is and one
// decoded reading, and reads each socket's interlock. Exit 0 when everything answered,
// 2 naming whatever did not, 3 for a bad fixture (file:line). Without --power it only
// reads (and an unpowered DUT cannot answer); with --power it first energises each socket
// through the same checked calls a plan uses (interlock, safe limits): cells at
// --cell-voltage, the comms and B+ relays closed, B+ at --bplus. Either way every
// instrument is left in its safe state when it ends (outputs off, relays at rest).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <numeric>
#include <sstream>

#include "drivers/dut_link.hpp"
#include "drivers/factory.hpp"
#include "drivers/gpio.hpp"
#include "drivers/kinds.hpp"
#include "rig/cli/commands.hpp"
#include "rig/core/log.hpp"
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
    std::string cell_voltage{"3.3 V"};
    std::string bplus;  // default: cell_count x cell voltage
};

// Energises one socket so its DUT can answer: cells on, comms and B+ relays closed, B+ on.
Status power_socket(const Fixture& fx, const SocketSpec& sock, const ProbeOptions& o,
                    std::map<std::string, std::shared_ptr<Instrument>>& up, std::ostream& out) {
    auto cell_v = parse<Volts>(o.cell_voltage);
    if (!cell_v) return cell_v.status().with_context("--cell-voltage");
    Volts bplus = *cell_v * sock.cell_count;
    if (!o.bplus.empty()) {
        auto b = parse<Volts>(o.bplus);
        if (!b) return b.status().with_context("--bplus");
        bplus = *b;
    }
    auto get = [&](const std::string& id) -> std::shared_ptr<Instrument> {
        auto it = up.find(id);
        return it == up.end() ? nullptr : it->second;
    };
    auto emu = std::dynamic_pointer_cast<CellEmulator>(get(sock.cells));
    if (!emu) return Status(Code::disconnected, "cell emulator " + sock.cells + " did not answer");
    std::optional<InterlockProbe> interlock;
    if (sock.interlock) {
        auto il = get(sock.interlock->instrument);
        if (!il) return Status(Code::interlock_open, "interlock instrument " + sock.interlock->instrument + " did not answer");
        interlock = make_interlock_probe(il, *sock.interlock);
        emu->set_interlock(*interlock);
    }
    std::vector<ChannelVoltage> setpoints;
    for (int pin = 1; pin <= sock.cell_count; ++pin) setpoints.push_back({sock.channel_of_pin(pin), *cell_v});
    RIG_TRY(emu->set_voltages(setpoints));
    RIG_TRY(emu->set_outputs(sock.wiring, true));
    if (auto rly = std::dynamic_pointer_cast<RelayBank>(get(sock.relays))) {
        for (auto* role : {"comms", "bplus"})
            if (auto it = sock.relay_map.find(role); it != sock.relay_map.end()) RIG_TRY(rly->set(it->second, true));
    }
    if (!sock.supply.empty()) {
        auto psu = std::dynamic_pointer_cast<Supply>(get(sock.supply));
        if (!psu) return Status(Code::disconnected, "supply " + sock.supply + " did not answer");
        if (interlock) psu->set_interlock(*interlock);
        double limit = 0.1;  // a balancer draws <= 1 W: 0.1 A is plenty at 20-100 V
        if (auto* l = fx.limits("supply"); l && l->current) limit = std::min(limit, l->current->high);
        RIG_TRY(psu->set_current_limit(Amps(limit)));
        RIG_TRY(psu->set_voltage(bplus));
        RIG_TRY(psu->set_output(true));
    }
    out << "socket " << sock.name << " powered: " << sock.cell_count << " cells at " << to_string(*cell_v)
        << ", B+ " << to_string(bplus) << "\n";
    return Status::ok();
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
    const std::string today = today_override.empty() ? today_utc() : today_override;
    std::cout << "fixture " << fx.name << " (station " << fx.station << ", " << fx.file << "), today " << today << "\n";

    std::map<std::string, std::shared_ptr<Instrument>> connected;
    std::vector<std::string> failed;
    // Instruments first, DUT links last: with --power the sockets are energised in between.
    std::vector<const InstrumentSpec*> order;
    for (auto& spec : fx.instruments)
        if (spec.kind != InstrumentKind::dut_link) order.push_back(&spec);
    for (auto& spec : fx.instruments)
        if (spec.kind == InstrumentKind::dut_link) order.push_back(&spec);
    bool powered = false;
    for (auto* sp : order) {
        auto& spec = *sp;
        if (spec.kind == InstrumentKind::dut_link && opt.power && !powered) {
            powered = true;
            std::cout << "\n";
            for (auto& sock : fx.sockets) {
                auto s = power_socket(fx, sock, opt, connected, std::cout);
                if (!s) {
                    std::cout << "socket " << sock.name << " NOT POWERED " << s.describe() << "\n";
                    failed.push_back("socket " + sock.name + " power (" + s.describe() + ")");
                }
            }
        }
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
        auto& id = (*inst)->identity();
        std::cout << "  identity   " << (id.manufacturer.empty() ? "-" : id.manufacturer) << " / "
                  << (id.model.empty() ? "-" : id.model) << " / serial " << (id.serial.empty() ? "-" : id.serial)
                  << " / firmware " << (id.firmware.empty() ? "-" : id.firmware);
        if (!id.raw.empty()) std::cout << "  [" << id.raw << "]";
        std::cout << "\n";
        std::ostringstream reading;
        auto s = read_one(**inst, fx, reading);
        // A DUT that is still booting after power-up gets a few seconds to start answering.
        if (!s && powered && spec.kind == InstrumentKind::dut_link) {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (!s && std::chrono::steady_clock::now() < deadline) {
                reading.str("");
                s = read_one(**inst, fx, reading);
            }
        }
        std::cout << reading.str();
        connected[spec.id] = *inst;  // answered at connect: keep it (safe() at exit)
        if (!s) {
            std::cout << "  NO READING " << s.describe() << "\n";
            if (spec.kind == InstrumentKind::dut_link && !opt.power)
                std::cout << "             (an unpowered DUT cannot answer: --power energises the sockets first)\n";
            failed.push_back(spec.id + " (" + s.describe() + ")");
        }
    }

    for (auto& sock : fx.sockets) {
        if (!sock.interlock) continue;
        auto it = connected.find(sock.interlock->instrument);
        std::cout << "\nsocket " << sock.name << " interlock (" << sock.interlock->instrument << " input "
                  << sock.interlock->input << "): ";
        if (it == connected.end()) {
            std::cout << "unknown (" << sock.interlock->instrument << " did not answer)\n";
            continue;
        }
        auto closed = make_interlock_probe(it->second, *sock.interlock)();
        if (!closed) {
            std::cout << "NOT READ " << closed.status().describe() << "\n";
            failed.push_back("socket " + sock.name + " interlock (" + closed.status().describe() + ")");
        } else {
            std::cout << (*closed ? "closed (outputs may energise)" : "OPEN (outputs refused)") << "\n";
        }
    }

    // Safe state in a deliberate order: B+ off first, then the cells, then the relays (the
    // destructors would do it too, but in map order).
    for (auto kind : {InstrumentKind::supply, InstrumentKind::cell_emulator, InstrumentKind::relay_bank,
                      InstrumentKind::gpio})
        for (auto& [id, inst] : connected)
            if (inst->spec().kind == kind)
                if (auto s = inst->safe(); !s) failed.push_back(id + " safe state (" + s.describe() + ")");

    std::cout << "\n";
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
                  "energise each socket (cells, comms and B+ relays, B+) before reading the DUT; checked against "
                  "the interlock and safe limits");
    cmd->add_option("--cell-voltage", o->cell_voltage, "cell voltage for --power (default \"3.3 V\")");
    cmd->add_option("--bplus", o->bplus, "B+ for --power (default: cell count x cell voltage)");
    cmd->callback([o, &exit_code] { exit_code = probe(*o); });
}

}  // namespace rig::cli
