// Runs a shell command for the integration tests and returns its exit status and output.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace rig::reports::testing {

struct CommandResult {
    int status{-1};  // exit status, or -1 when it did not exit normally
    std::string output;  // stdout and stderr
};

inline CommandResult run_command(const std::string& cmd) {
    CommandResult r;
    std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int st = ::pclose(p);
    if (st != -1 && WIFEXITED(st)) r.status = WEXITSTATUS(st);
    return r;
}

inline std::string shell_quoted(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

}  // namespace rig::reports::testing
