// kill -9 durability of the results store: a child process writes runs into a store and
// reports over a pipe what it has committed; the parent SIGKILLs it at a random moment.
// After each kill the store opens without error, every started run is in it (aborted unless
// the child ended it) with every measurement the child reported committed.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "reports/store.hpp"
#include "reports/store_sink.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

using namespace testing;

double value_of(int run, int k) { return 2.0 + 0.001 * run + 1e-6 * k; }

[[noreturn]] void child(const std::filesystem::path& db, int fd, std::uint64_t seed, Durability durability) {
    auto say = [&](const std::string& line) {
        std::string l = line + "\n";  // < PIPE_BUF: one atomic write
        if (::write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) _exit(4);
    };
    auto sink = StoreSink::open(db, StoreOptions{durability});
    if (!sink) {
        say("X " + sink.status().describe());
        _exit(3);
    }
    std::mt19937_64 rng(seed);
    for (int run = 0; run < 200; ++run) {
        RunInfo info = sample_info("SN" + std::to_string(run), at(2026, 11, 25, 10) + std::chrono::minutes(run),
                                   "kill-" + std::to_string(seed) + "-" + std::to_string(run));
        if (!(*sink)->begin(info)) _exit(5);
        say("B " + std::to_string(run));
        int n = static_cast<int>(rng() % 10) + 2;
        for (int k = 0; k < n; ++k) {
            Measurement m = judged("step" + std::to_string(k % 3), "m" + std::to_string(k), value_of(run, k),
                                   Limit::range(1.0, 3.0, Unit::volt), info.started + std::chrono::seconds(k));
            for (int s = 0; s < 20; ++s) m.samples.push_back({m.started + std::chrono::milliseconds(s), m.value});
            if (!(*sink)->add(m)) _exit(6);
            say("M " + std::to_string(run) + " " + std::to_string(k + 1));
        }
        if (!(*sink)->end(RunState::completed, Verdict::pass, "", info.started + std::chrono::seconds(n))) _exit(7);
        say("E " + std::to_string(run));
    }
    _exit(0);
}

void kill_repeatedly(Durability durability, std::uint64_t first_seed, std::uint64_t last_seed) {
    auto dir = fresh_dir("kill9-" + std::to_string(first_seed));
    for (std::uint64_t seed = first_seed; seed <= last_seed; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        auto db = dir / ("store-" + std::to_string(seed) + ".db");
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            child(db, fds[1], seed, durability);
        }
        ::close(fds[1]);
        std::mt19937_64 rng(seed * 7919);
        std::size_t kill_after = rng() % 40;  // 0 = kill while the store is being created
        auto pause = std::chrono::microseconds(rng() % 3000);

        std::map<int, int> committed;  // run -> measurements reported committed
        std::set<int> ended;
        std::string buf, error;
        std::size_t lines = 0;
        bool killed = false;
        auto handle = [&](const std::string& line) {
            int run = 0, n = 0;
            if (line[0] == 'B' && std::sscanf(line.c_str(), "B %d", &run) == 1) committed[run] = 0;
            else if (line[0] == 'M' && std::sscanf(line.c_str(), "M %d %d", &run, &n) == 2) committed[run] = n;
            else if (line[0] == 'E' && std::sscanf(line.c_str(), "E %d", &run) == 1) ended.insert(run);
            else error = line;
        };
        if (kill_after == 0) {
            std::this_thread::sleep_for(pause);  // the random moment, not a synchronisation
            ::kill(pid, SIGKILL);
            killed = true;
        }
        char chunk[4096];
        for (;;) {
            ssize_t n = ::read(fds[0], chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            buf.append(chunk, static_cast<std::size_t>(n));
            for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
                handle(buf.substr(0, nl));
                buf.erase(0, nl + 1);
                if (++lines >= kill_after && !killed) {
                    std::this_thread::sleep_for(pause);
                    ::kill(pid, SIGKILL);
                    killed = true;
                }
            }
        }
        ::close(fds[0]);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(error.empty()) << error;
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited on its own: " << status;

        auto store = Store::open(db);
        ASSERT_TRUE(store) << store.status().describe();
        RunQuery running;
        running.state = RunState::running;
        auto left = (*store)->runs(running);
        ASSERT_TRUE(left);
        EXPECT_TRUE(left->empty()) << "a run is still marked running after recovery";
        for (const auto& [run, n] : committed) {
            std::string id = "kill-" + std::to_string(seed) + "-" + std::to_string(run);
            auto r = (*store)->load(id);
            ASSERT_TRUE(r) << id << ": " << r.status().describe();
            // The last run may have ended on disk just before the kill, unreported.
            bool last = run == committed.rbegin()->first;
            if (ended.count(run) || (last && r->state == RunState::completed)) {
                EXPECT_EQ(r->state, RunState::completed) << id;
            } else {
                EXPECT_EQ(r->state, RunState::aborted) << id;
                EXPECT_EQ(r->verdict, Verdict::error) << id;
                EXPECT_EQ(r->reason, kStoppedReason) << id;
            }
            // Everything reported is there; at most one more (committed, killed before it said so).
            ASSERT_GE(r->measurements.size(), static_cast<std::size_t>(n)) << id;
            ASSERT_LE(r->measurements.size(), static_cast<std::size_t>(n) + 1) << id;
            for (std::size_t k = 0; k < r->measurements.size(); ++k) {
                EXPECT_EQ(r->measurements[k].value, value_of(run, static_cast<int>(k))) << id << " #" << k;
                EXPECT_EQ(r->measurements[k].samples.size(), 20u) << id << " #" << k;
            }
        }
        // Runs the child began but was killed before reporting: in the store, not running.
        auto all = (*store)->runs(RunQuery{});
        ASSERT_TRUE(all);
        EXPECT_GE(all->size(), committed.size());
        EXPECT_LE(all->size(), committed.size() + 1);
    }
    std::filesystem::remove_all(dir);
}

TEST(KillNine, store_keeps_every_started_run_and_every_committed_measurement) {
    kill_repeatedly(Durability::every_call, 1, 20);
}

// Relaxed syncing during the run (virtual units) still survives kill -9: the page cache
// holds every commit; only a power loss could cost the unfinished unit's tail.
TEST(KillNine, end_of_run_durability_also_survives_kill_9) {
    kill_repeatedly(Durability::end_of_run, 101, 106);
}

}  // namespace
}  // namespace rig::reports
