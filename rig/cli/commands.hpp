// The `rig` command's subcommands, one file per group so each stays small:
//   run, validate           rig/cli/run.cpp       (sequencer)
//   probe                   rig/cli/probe.cpp     (drivers)
//   history, report, stats, compare   rig/cli/report_commands.cpp (reports)
// Each add_* registers its subcommands on the app; the callback sets `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace rig::cli {

// Exit status convention: 0 PASS, 1 FAIL, 2 ERROR, 3 bad command line, plan or fixture.
inline constexpr int kExitBadInput = 3;

void add_run_commands(CLI::App& app, int& exit_code);
void add_probe_command(CLI::App& app, int& exit_code);
void add_report_commands(CLI::App& app, int& exit_code);

}  // namespace rig::cli
