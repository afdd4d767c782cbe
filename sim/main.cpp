// rig-sim: the virtual bench as a program. Starts a twin per instrument of a fixture, writes
// the resolved fixture (real ports and pseudo-terminals, plus the control port) and serves
// until SIGINT/SIGTERM.
//
//   rig-sim --fixture fixtures/virtual.toml --resolved /tmp/vb.toml [--clock real|virtual]
//           [--seed N] [--population] [--set NAME=VALUE]... [--log-level debug]
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "drivers/model.hpp"
#include "rig/core/log.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/dut_factory.hpp"
#include "sim/instrument_twins.hpp"
#include "sim/virtual_bench.hpp"

namespace {

// Every twin's settings, for --help: built from throw-away twins of the shipped models.
std::string settings_help() {
    using namespace rig;
    const std::set<std::string> faults = {"no_reply", "delay_ms", "corrupt_pct", "disconnect_after_s", "stuck_output"};
    std::string out =
        "\nSettings (--set NAME=VALUE): ROLE.NAME or ID.NAME for an instrument (ROLE = cells, supply,\n"
        "meter, relays, dut), a plain NAME for the DUT twin(s). Defaults in the second column.\n";
    auto line = [&](const sim::SettingInfo& i) {
        out += fmt::format("    {:<24} {:>12} {:<3} {}\n", i.name, i.default_value, i.unit, i.help);
    };
    auto section = [&](const std::string& title, const std::vector<sim::SettingInfo>& infos, bool with_faults) {
        out += "\n  " + title + "\n";
        for (auto& i : infos)
            if (with_faults || !faults.count(i.name)) line(i);
    };
    auto dir = default_model_dir();
    auto spec_for = [](const std::string& conn) {
        InstrumentSpec s;
        s.id = "x";
        if (auto c = parse_connection(conn)) s.connection = *c;
        return s;
    };
    try {
        auto ce = drivers::load_model(dir + "/rigsim-ce24.toml");
        auto emu = sim::make_cell_emulator_twin(spec_for("modbus-tcp://127.0.0.1:0"), ce);
        std::vector<sim::SettingInfo> f;
        for (auto& i : emu->settings())
            if (faults.count(i.name)) f.push_back(i);
        section("every instrument twin (faults)", f, true);
        section("cells (rigsim-ce24/48)", emu->settings(), false);
        auto psu = drivers::load_model(dir + "/rigsim-supply.toml");
        section("supply (rigsim-supply, keysight-e36xx)",
                sim::make_scpi_supply_twin(spec_for("scpi-tcp://127.0.0.1:0"), psu)->settings(), false);
        auto dmm = drivers::load_model(dir + "/rigsim-meter.toml");
        section("meter (rigsim-meter, keysight-34461a)",
                sim::make_meter_twin(spec_for("scpi-tcp://127.0.0.1:0"), dmm)->settings(), false);
        auto rly = drivers::load_model(dir + "/rigsim-relay8d.toml");
        section("relays (rigsim-relay8d, waveshare-relay-8d)",
                sim::make_relay_twin(spec_for("modbus-rtu:pty:9600:8N1"), rly, {})->settings(), false);
        section("supply (riden-rd6018)", sim::make_riden_twin(spec_for("modbus-rtu:pty:115200:8N1"))->settings(), false);
        auto jk = drivers::load_model(dir + "/jk-b2a24s-rs485.toml");
        auto spec = spec_for("serial:pty:9600:8N1");
        spec.model = jk.name;
        SocketSpec sock;
        sock.name = "A";
        for (int p = 1; p <= 24; ++p) sock.wiring.push_back(p);
        if (auto dut = sim::make_dut_twin(spec, jk, sock, 0))
            section("dut (jk-b2a24s-rs485; plain NAME)", (*dut)->settings(), true);
        else
            out += "\n  dut: " + dut.status().message() + "\n";
    } catch (const std::exception& e) {
        out += std::string("  (could not list the settings: ") + e.what() + ")\n";
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    // Block the signals before any thread starts (loggers, the reactor), so only the signalfd sees them.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

    CLI::App app{"rig-sim: the virtual bench. Serves a twin per instrument of a fixture on real transports."};
    rig::sim::VirtualBenchOptions o;
    std::string clock = "real", level = "info";
    std::vector<std::string> sets;
    long long epoch_ns = 0;
    app.add_option("--fixture", o.fixture_path, "fixture file")->required();
    app.add_option("--resolved", o.resolved_path, "where to write the resolved fixture (default: a temp file)");
    app.add_option("--clock", clock, "real or virtual")->check(CLI::IsMember({"real", "virtual"}));
    app.add_option("--epoch", epoch_ns, "virtual time start, ns since 1970 (default: now)");
    app.add_option("--seed", o.seed, "seed for noise and the DUT population");
    app.add_flag("--population", o.population, "draw the DUT's parameters from the good-unit distributions");
    app.add_option("--set", sets, "NAME=VALUE, repeatable");
    app.add_option("--log-level", level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    app.footer(settings_help());
    CLI11_PARSE(app, argc, argv);

    rig::log::setup({level, "", true});
    o.virtual_time = clock == "virtual";
    if (epoch_ns) o.epoch = rig::TimePoint(rig::Duration(epoch_ns));
    for (auto& s : sets) {
        auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "rig-sim: --set expects NAME=VALUE, got \"" << s << "\"\n";
            return 2;
        }
        o.settings.emplace_back(s.substr(0, eq), s.substr(eq + 1));
    }

    auto bench = rig::sim::VirtualBench::start(o);
    if (!bench) {
        std::cerr << "rig-sim: " << bench.status().describe() << "\n";
        return 1;
    }
    std::cout << "rig-sim: serving " << o.fixture_path << " (" << clock << " time)\n"
              << (*bench)->describe() << "resolved fixture: " << (*bench)->resolved_fixture_path() << std::endl;

    signalfd_siginfo si{};
    while (::read(sfd, &si, sizeof si) < 0 && errno == EINTR) {}
    rig::log::get("sim")->info("signal {}: stopping", si.ssi_signo);
    (*bench)->stop();
    ::close(sfd);
    return 0;
}
