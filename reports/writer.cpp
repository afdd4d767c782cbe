#include "reports/writer.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

namespace rig::reports {
namespace {

std::string read_line(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    return s;
}

struct ProcStat {
    char state{'?'};
    std::uint64_t start_ticks{0};
};

// Field 2 (comm) may hold spaces and parentheses, so parse after the last ')'.
bool read_proc_stat(std::int64_t pid, ProcStat& out) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    auto close = s.rfind(')');
    if (close == std::string::npos || close + 2 >= s.size()) return false;
    std::istringstream rest(s.substr(close + 2));
    std::string field;
    int index = 3;  // the state is field 3
    while (rest >> field) {
        if (index == 3) out.state = field.empty() ? '?' : field[0];
        if (index == 22) {
            std::from_chars(field.data(), field.data() + field.size(), out.start_ticks);
            return true;
        }
        ++index;
    }
    return false;
}

std::string hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return {};
    return buf;
}

}  // namespace

WriterInfo current_writer() {
    WriterInfo w;
    w.pid = getpid();
    w.boot_id = read_line("/proc/sys/kernel/random/boot_id");
    ProcStat st;
    if (read_proc_stat(w.pid, st)) w.start_ticks = st.start_ticks;
    w.host = hostname();
    return w;
}

bool writer_alive(const WriterInfo& w) {
    if (w.pid <= 0) return true;
    if (!w.host.empty() && w.host != hostname()) return true;
    auto boot = read_line("/proc/sys/kernel/random/boot_id");
    if (!w.boot_id.empty() && !boot.empty() && w.boot_id != boot) return false;
    if (kill(static_cast<pid_t>(w.pid), 0) != 0 && errno == ESRCH) return false;
    ProcStat st;
    if (!read_proc_stat(w.pid, st)) return false;  // gone between kill() and here
    if (st.state == 'Z' || st.state == 'X') return false;
    if (w.start_ticks != 0 && st.start_ticks != w.start_ticks) return false;
    return true;
}

}  // namespace rig::reports
