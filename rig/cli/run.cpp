// `rig run` and `rig validate`: load a fixture and a plan, check them (exit 3 with the
// file:line error when wrong), then run the plan on one socket (or several: --socket
// repeated, --all-sockets; in parallel where they share no B+ path, see
// engine::socket_lanes), on real instruments or on a virtual bench started in-process
// (--sim; the twins still talk over real sockets and pseudo-terminals), and record every
// unit (--out DIR/<run_id>/, SQLite store --db).
// Exit status: 0 PASS, 1 FAIL, 2 ERROR (and aborted runs), 3 bad command line/plan/fixture.
// SIGINT/SIGTERM: the run is asked to stop, outputs go safe, the record says aborted.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "rig/cli/commands.hpp"
#include "rig/cli/signal_stop.hpp"
#include "rig/core/log.hpp"
#include "rig/engine/session.hpp"
#include "rig/engine/step_kind.hpp"
#include "sim/virtual_bench.hpp"

namespace rig::cli {
namespace {

struct RunArgs {
    std::string fixture, plan, operator_name, socket;
    std::vector<std::string> serials;  // one, or one per socket
    std::vector<std::string> sockets;  // rig run: the sockets to test ("" = the first)
    bool all_sockets{false};
    bool sim{false};
    std::vector<std::string> sets;
    std::string clock{"real"};
    std::uint64_t seed{1};
    int population{0};
    std::string out{"runs"};
    std::string db;
    std::string stop_policy;
    std::string durability{"end-of-run"};
    std::string log_level{"warn"};
};

void print_table(const engine::RunOutcome& o) {
    std::cout << fmt::format("{:<28} {:<30} {:>14} {:<26} {}\n", "step", "measurement", "value", "limit", "verdict");
    for (auto& m : o.measurements) {
        std::string value = m.has_value() ? format_quantity(m.value, m.unit) : "-";
        std::string limit = m.limit.is_open() ? "" : m.limit.describe();
        std::string verdict(to_string(m.verdict));
        if (m.zone == Zone::guard_band) verdict += " (guard band)";
        std::cout << fmt::format("{:<28} {:<30} {:>14} {:<26} {}", m.step, m.name, value, limit, verdict);
        if (m.verdict == Verdict::error || m.verdict == Verdict::fail || m.verdict == Verdict::skipped)
            std::cout << "  " << m.message;
        std::cout << "\n";
    }
}

struct Loaded {
    Fixture fixture;
    engine::Plan plan;
    const SocketSpec* socket{nullptr};
};

// Loads and checks; prints the error and returns nullopt on bad input.
std::optional<Loaded> load(const std::string& fixture_path, const std::string& plan_path, const std::string& socket) {
    Loaded l;
    try {
        l.fixture = load_fixture(fixture_path);
        l.plan = engine::load_plan(plan_path);
        for (auto& s : l.fixture.sockets)
            if (socket.empty() || s.name == socket) {
                l.socket = &s;
                break;
            }
        if (!l.socket) {
            std::cerr << "rig: " << fixture_path << ": no socket \"" << socket << "\"\n";
            return std::nullopt;
        }
        for (auto& s : l.fixture.sockets)
            if (socket.empty() || s.name == socket) engine::validate_for_fixture(l.plan, l.fixture, s);
    } catch (const ConfigError& e) {
        std::cerr << "rig: " << e.what() << "\n";
        return std::nullopt;
    }
    return l;
}

int do_validate(const std::string& fixture, const std::string& plan, const std::string& socket) {
    auto l = load(fixture, plan, socket);
    if (!l) return kExitBadInput;
    std::cout << fmt::format("ok: plan \"{}\" {} ({} steps) is valid for fixture \"{}\" ({})\n", l->plan.name,
                             l->plan.version, l->plan.step_count(), l->fixture.name, l->fixture.file);
    return 0;
}

int do_run(const RunArgs& a) {
    rig::log::setup({a.log_level, "", true});
    bool virtual_time = a.clock == "virtual";
    if (a.clock != "real" && a.clock != "virtual") {
        std::cerr << "rig run: --clock must be real or virtual\n";
        return kExitBadInput;
    }
    if (virtual_time && !a.sim) {
        std::cerr << "rig run: --clock virtual needs --sim (only a virtual bench can follow a virtual clock)\n";
        return kExitBadInput;
    }
    if (a.population > 0 && !a.sim) {
        std::cerr << "rig run: --population needs --sim\n";
        return kExitBadInput;
    }
    std::vector<std::pair<std::string, std::string>> settings;
    std::map<std::string, std::string> settings_map;
    for (auto& s : a.sets) {
        auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "rig run: --set expects NAME=VALUE, got \"" << s << "\"\n";
            return kExitBadInput;
        }
        settings.emplace_back(s.substr(0, eq), s.substr(eq + 1));
        settings_map[s.substr(0, eq)] = s.substr(eq + 1);
    }
    std::optional<engine::StopPolicy> policy;
    if (!a.stop_policy.empty()) {
        policy = engine::parse_stop_policy(a.stop_policy);
        if (!policy) {
            std::cerr << "rig run: --stop-policy: stop_on_first_failure, continue or stop_on_error\n";
            return kExitBadInput;
        }
    }
    // The sockets to test: --all-sockets, each --socket named, or the first.
    if (a.all_sockets && !a.sockets.empty()) {
        std::cerr << "rig run: --all-sockets or --socket, not both\n";
        return kExitBadInput;
    }
    bool several = a.all_sockets || a.sockets.size() > 1;
    auto loaded = load(a.fixture, a.plan, several || a.sockets.empty() ? std::string() : a.sockets.front());
    if (!loaded) return kExitBadInput;
    std::vector<std::string> names;
    if (a.all_sockets) {
        for (auto& s : loaded->fixture.sockets) names.push_back(s.name);
    } else if (a.sockets.empty()) {
        names.push_back(loaded->socket->name);
    } else {
        for (auto& n : a.sockets) {
            bool known = false;
            for (auto& s : loaded->fixture.sockets) known = known || s.name == n;
            if (!known) {
                std::cerr << "rig run: " << a.fixture << ": no socket \"" << n << "\"\n";
                return kExitBadInput;
            }
            if (std::find(names.begin(), names.end(), n) != names.end()) {
                std::cerr << "rig run: socket \"" << n << "\" named twice\n";
                return kExitBadInput;
            }
            names.push_back(n);
        }
    }
    if (names.size() > 1 && a.population > 0) {
        std::cerr << "rig run: --population tests one socket (the virtual bench resets every DUT of the fixture "
                     "for each unit)\n";
        return kExitBadInput;
    }
    // One serial per socket, or one that each socket's name is appended to.
    if (a.serials.size() != 1 && a.serials.size() != names.size()) {
        std::cerr << "rig run: " << names.size() << " sockets need one --serial each (in socket order), or one "
                  << "serial that gets \"-<socket>\" appended; got " << a.serials.size() << "\n";
        return kExitBadInput;
    }
    auto serial_of = [&](size_t k) {
        if (a.serials.size() == names.size()) return a.serials[k];
        return names.size() == 1 ? a.serials.front() : a.serials.front() + "-" + names[k];
    };

    SignalStop signals;
    std::unique_ptr<sim::VirtualBench> vb;
    Fixture fixture = loaded->fixture;
    if (a.sim) {
        sim::VirtualBenchOptions vo;
        vo.fixture_path = a.fixture;
        vo.virtual_time = virtual_time;
        vo.seed = a.seed;
        vo.population = a.population > 0;
        vo.settings = settings;
        auto started = sim::VirtualBench::start(vo);
        if (!started) {
            std::cerr << "rig run: virtual bench: " << started.status().describe() << "\n";
            return started.status().code() == Code::invalid_argument ? kExitBadInput : 2;
        }
        vb = std::move(*started);
        try {
            fixture = load_fixture(vb->resolved_fixture_path());
        } catch (const ConfigError& e) {
            std::cerr << "rig run: resolved fixture: " << e.what() << "\n";
            return 2;
        }
    }
    std::vector<const SocketSpec*> sockets;
    for (auto& n : names)
        for (auto& s : fixture.sockets)
            if (s.name == n) sockets.push_back(&s);

    // One clock for the process: the steady clock, or the virtual clock that drives the
    // one virtual bench. Sockets on one virtual clock must run one after the other (see
    // rig/engine/session.hpp), so in virtual time every socket is in one lane.
    auto sc = engine::make_socket_clock(fixture, virtual_time);
    if (!sc) {
        std::cerr << "rig run: " << sc.status().describe() << "\n";
        return 2;
    }
    Clock& clock = *sc->clock;
    auto lanes = virtual_time ? std::vector<std::vector<size_t>>{{}} : engine::socket_lanes(sockets);
    if (virtual_time)
        for (size_t k = 0; k < sockets.size(); ++k) lanes.front().push_back(k);
    engine::InstrumentPool pool(fixture);
    std::vector<std::unique_ptr<engine::Bench>> benches;
    for (auto* s : sockets) {
        auto bench = engine::Bench::open(fixture, *s, pool);
        if (!bench) {
            std::cerr << "rig run: socket " << s->name << ": " << bench.status().describe() << "\n";
            return 2;
        }
        benches.push_back(std::move(*bench));
    }
    // The sequencer connects the bench as the first part of each run, so a bench that
    // cannot be reached still leaves an ERROR record.

    const char* env_db = std::getenv("RIG_DB");
    std::string db = !a.db.empty() ? a.db : env_db ? env_db : "rig-results.db";
    int units = a.population > 0 ? a.population : 1;
    Verdict worst_v = Verdict::skipped;
    bool aborted = false;
    std::mutex progress_m;  // lanes report from their own threads
    for (int i = 0; i < units && !signals.token().stop_requested(); ++i) {
        std::vector<engine::SocketUnit> jobs;
        for (size_t k = 0; k < sockets.size(); ++k) {
            engine::SocketUnit job{benches[k].get(), &clock, {}};
            auto& uo = job.options;
            uo.serial = a.population > 0 ? a.serials.front() + "-" + std::to_string(i) : serial_of(k);
            uo.operator_name = a.operator_name;
            uo.out_dir = a.out;
            uo.db_file = db;
            uo.durability = a.durability == "every-call" ? reports::Durability::every_call
                                                          : reports::Durability::end_of_run;
            if (a.sim) uo.fixture_file = a.fixture;  // not the resolved copy the bench wrote
            uo.run.stop_policy = policy;
            if (a.sim) {
                uo.seed = a.seed + static_cast<std::uint64_t>(a.population > 0 ? i : 0);
                uo.sim_settings = settings_map;
            }
            std::string prefix = sockets.size() > 1 ? "[" + sockets[k]->name + "] " : "";
            uo.run.on_step = [&progress_m, prefix](const engine::StepOutcome& s, size_t index, size_t total) {
                std::lock_guard lock(progress_m);
                std::cerr << fmt::format("{}[{:>3}/{}] {:<28} {:<8} {:>8.3f} s{}\n", prefix, index, total, s.id,
                                         to_string(s.verdict), std::chrono::duration<double>(s.duration).count(),
                                         s.message.empty() ? "" : "  " + s.message);
            };
            jobs.push_back(std::move(job));
        }
        if (a.population > 0) {
            if (auto st = vb->reset_unit(*jobs.front().options.seed, true, settings); !st) {
                std::cerr << "rig run: virtual unit " << i << ": " << st.describe() << "\n";
                return 2;
            }
        }
        auto results = engine::run_sockets(fixture, loaded->plan, jobs, lanes, signals.token());
        for (size_t k = 0; k < results.size(); ++k) {
            auto& res = results[k];
            if (res.run_id.empty()) {  // never started: a stop request came first
                std::cout << "socket " << sockets[k]->name << " not tested (stopped)\n";
                aborted = true;
                continue;
            }
            if (sockets.size() > 1) std::cout << "\nsocket " << sockets[k]->name << "\n";
            if (units == 1) print_table(res.outcome);
            std::cout << fmt::format("{} {} {}{}{}\n", res.run_id, to_string(res.outcome.verdict),
                                     res.outcome.state == reports::RunState::aborted ? "(aborted) " : "",
                                     res.outcome.reason,
                                     res.record_dir.empty() ? "" : "  record: " + res.record_dir.string());
            worst_v = worst(worst_v, res.outcome.verdict);
            aborted = aborted || res.outcome.state == reports::RunState::aborted;
        }
    }
    // Each socket's run ended with its own bench safe; a supply shared between sockets is
    // only cut off by each socket's B+ relay, so now every instrument goes safe.
    benches.clear();
    if (auto st = pool.safe_all(); !st) {
        std::cerr << "rig run: " << st.describe() << "\n";
        worst_v = worst(worst_v, Verdict::error);
    }
    std::cout.flush();
    if (signals.signal() != 0 || aborted) return 2;
    return exit_code(worst_v);
}

}  // namespace

void add_run_commands(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<RunArgs>();
    auto* run = app.add_subcommand("run", "run a test plan on one socket of a fixture");
    run->add_option("--fixture", args->fixture, "fixture file")->required();
    run->add_option("--plan", args->plan, "test plan file")->required();
    run->add_option("--serial", args->serials,
                    "DUT serial number (several sockets: one per socket in order, or one that gets "
                    "\"-<socket>\" appended)")
        ->required();
    run->add_option("--operator", args->operator_name, "operator name");
    run->add_option("--socket", args->sockets,
                    "socket name, repeat to test several (default: the first socket); sockets that share no B+ "
                    "path run at the same time");
    run->add_flag("--all-sockets", args->all_sockets, "test every socket of the fixture");
    run->add_flag("--sim", args->sim, "start the fixture's virtual bench in-process");
    run->add_option("--set", args->sets, "twin setting NAME=VALUE (with --sim), as rig-sim --set");
    run->add_option("--clock", args->clock, "real | virtual (virtual needs --sim)");
    run->add_option("--seed", args->seed, "virtual unit seed");
    run->add_option("--population", args->population, "test N virtual units drawn from the population (with --sim)");
    run->add_option("--out", args->out, "record directory (records go to DIR/<run_id>/)");
    run->add_option("--db", args->db, "results store (default $RIG_DB or ./rig-results.db)");
    run->add_option("--stop-policy", args->stop_policy, "override the plan's stop policy");
    run->add_option("--durability", args->durability,
                    "end-of-run (default: each measurement committed, synced at the end of the unit) | "
                    "every-call (each measurement synced: survives a power loss)")
        ->check(CLI::IsMember({"end-of-run", "every-call"}));
    run->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, off");
    run->callback([args, &exit_code] { exit_code = do_run(*args); });

    auto vargs = std::make_shared<RunArgs>();
    auto* val = app.add_subcommand("validate", "check a plan against a fixture without touching hardware");
    val->add_option("--fixture", vargs->fixture, "fixture file")->required();
    val->add_option("--plan", vargs->plan, "test plan file")->required();
    val->add_option("--socket", vargs->socket, "socket name (default: every socket)");
    val->callback([vargs, &exit_code] { exit_code = do_validate(vargs->fixture, vargs->plan, vargs->socket); });
}

}  // namespace rig::cli
