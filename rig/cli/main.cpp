// rig: the command line of the test rig. A thin shell over the library: each subcommand
// lives in its own file (commands.hpp). Exit status: 0 PASS, 1 FAIL, 2 ERROR, 3 bad
// command line, plan or fixture.
#include <CLI/CLI.hpp>

#include "rig/cli/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"rig: JK-B2A24S hardware-in-the-loop test rig"};
    app.require_subcommand(1);
    int exit_code = 0;
    rig::cli::add_run_commands(app, exit_code);
    rig::cli::add_probe_command(app, exit_code);
    rig::cli::add_report_commands(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : rig::cli::kExitBadInput;
    }
    return exit_code;
}
