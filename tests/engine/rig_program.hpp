// The `rig` program run from a test as an operator would: to the end with its output
// (run_rig), or in the background with one output stream piped back so the test can act
// in the middle of it, e.g. send a signal (spawn_rig, read_until, finish).
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace rig::engine::testing {

inline std::string rig_program() { return std::string(RIG_BINARY_DIR) + "/rig/cli/rig"; }

struct Ran {
    int exit_code{-1};
    std::string out;  // stdout and stderr
};

// `args` go through the shell (quote what needs it).
inline Ran run_rig(const std::string& args) {
    Ran r;
    FILE* p = ::popen((rig_program() + " " + args + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

struct Spawned {
    pid_t pid{-1};
    int fd{-1};        // read end of the captured stream
    std::string seen;  // what was read from it so far
};

// Starts rig with `args`, capturing file descriptor `stream` (1 stdout, 2 stderr); the
// other one goes to /dev/null.
inline Spawned spawn_rig(const std::vector<std::string>& args, int stream) {
    Spawned s;
    int p[2];
    if (::pipe(p) != 0) return s;
    std::string prog = rig_program();
    std::vector<char*> argv{prog.data()};
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    s.pid = ::fork();
    if (s.pid == 0) {
        ::dup2(p[1], stream);
        int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, stream == 1 ? 2 : 1);
        ::close(p[0]);
        ::execv(prog.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(p[1]);
    s.fd = p[0];
    return s;
}

// Reads until `needle` has been seen (true) or the stream ends (false).
inline bool read_until(Spawned& s, const std::string& needle) {
    char buf[512];
    while (s.seen.find(needle) == std::string::npos) {
        ssize_t n = ::read(s.fd, buf, sizeof buf);
        if (n <= 0) return false;
        s.seen.append(buf, static_cast<size_t>(n));
    }
    return true;
}

// Reads the rest and waits for the exit; the exit status, or -1 when it did not exit.
inline int finish(Spawned& s) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(s.fd, buf, sizeof buf)) > 0) s.seen.append(buf, static_cast<size_t>(n));
    ::close(s.fd);
    int status = 0;
    if (::waitpid(s.pid, &status, 0) != s.pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

}  // namespace rig::engine::testing
