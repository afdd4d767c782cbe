// Records, reports and the results store end to end, with the real `rig` binary running the
// virtual bench in-process (`rig run --sim --clock virtual`): kill -9 of the rig mid-run, 20
// times into one store; `rig stats` over a 200-unit population against a hand computation
// from the store's rows; `rig compare` on real runs (identical rerun, injected DUT faults);
// and a real run's record.json, junit.xml, measurements.csv and report.html read by the
// independent consumers (consumers.hpp).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "consumers.hpp"
#include "reports/record_json.hpp"
#include "reports/store.hpp"
#include "rig_process.hpp"
#include "run_command.hpp"
#include "sample_records.hpp"

namespace rig::reports {
namespace {

namespace fs = std::filesystem;
using namespace testing;

const std::string kRig = RIG_EXE;
const std::string kFixture = std::string(RIG_SOURCE_DIR) + "/fixtures/virtual.toml";
const std::string kEol = std::string(RIG_SOURCE_DIR) + "/testplans/eol.toml";
const std::string kPopulationPlan = std::string(RIG_TEST_DATA) + "/plans/good-population-short.toml";

std::string fresh_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// `rig run` on the virtual bench, to the end.
struct RunOut {
    int status{-1};
    std::string output, run_id;  // output: stdout, then stderr (kept apart: stdout is buffered
                                 // and would interleave mid-line with the progress on stderr)
    fs::path dir;  // the run directory ("record: ..." on the run's summary line)
};

RunOut rig_run(const std::string& plan, const std::string& serial, const fs::path& db, const fs::path& out,
               const std::string& extra = "") {
    RunOut r;
    fs::path err = db.parent_path() / ("stderr-" + serial + ".txt");
    auto c = run_command("{ " + kRig + " run --fixture " + shell_quoted(kFixture) + " --plan " + shell_quoted(plan) +
                         " --serial " + shell_quoted(serial) + " --sim --clock virtual --db " +
                         shell_quoted(db.string()) + " --out " + shell_quoted(out.string()) + " " + extra + " 2>" +
                         shell_quoted(err.string()) + "; }");
    r.status = c.status;
    r.output = c.output + read_file(err);
    std::smatch m;
    if (std::regex_search(c.output, m, std::regex(R"((\S+) (PASS|FAIL|ERROR|SKIPPED) .*record: (\S+))"))) {
        r.run_id = m[1];
        r.dir = m[3].str();
    }
    return r;
}

CommandResult rig(const std::string& args) { return run_command(kRig + " " + args); }

// The lines of a long output worth reading when a test fails: anything not PASS.
std::string digest(const std::string& output) {
    std::istringstream in(output);
    std::string out;
    for (std::string line; std::getline(in, line);)
        if (line.find("PASS") == std::string::npos && out.size() < 20000) out += line + "\n";
    return out;
}

bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// ---- kill -9 ----------------------------------------------------------------------------

// "[ 12/25] p8_max_current_1A   PASS   0.000 s": the rig's progress line, printed after the
// step's measurements went to the record sinks.
std::optional<std::string> progress_step(const std::string& line) {
    static const std::regex re(R"(\[\s*\d+/\d+\] (\S+) )");
    std::smatch m;
    if (std::regex_search(line, m, re)) return m[1].str();
    return std::nullopt;
}

// The stored measurements must be exactly the run directory's (the same process wrote both,
// the run directory first: the store may lack the very last one when the kill fell between
// the two writes), and must hold every measurement of every step the rig reported done.
void expect_store_holds_what_was_taken(const RunRecord& stored, const RunRecord& dir,
                                       const std::set<std::string>& steps_done) {
    std::size_t ns = stored.measurements.size(), nd = dir.measurements.size();
    EXPECT_TRUE(ns == nd || ns + 1 == nd) << "store " << ns << " vs run directory " << nd << " measurements";
    for (std::size_t k = 0; k < std::min(ns, nd); ++k) {
        const Measurement &a = stored.measurements[k], &b = dir.measurements[k];
        SCOPED_TRACE("measurement #" + std::to_string(k) + " " + b.step + "/" + b.name);
        EXPECT_EQ(a.step, b.step);
        EXPECT_EQ(a.name, b.name);
        EXPECT_TRUE(same_value(a.value, b.value)) << a.value << " vs " << b.value;
        EXPECT_EQ(a.unit, b.unit);
        EXPECT_EQ(a.verdict, b.verdict);
        EXPECT_EQ(a.limit.low, b.limit.low);
        EXPECT_EQ(a.limit.high, b.limit.high);
        ASSERT_EQ(a.samples.size(), b.samples.size());
        for (std::size_t s = 0; s < a.samples.size(); ++s) EXPECT_TRUE(same_value(a.samples[s].value, b.samples[s].value));
    }
    for (std::size_t k = 0; k < nd; ++k)
        if (steps_done.count(dir.measurements[k].step)) {
            EXPECT_LT(k, ns) << dir.measurements[k].step << "/" << dir.measurements[k].name
                             << " was reported done by the rig but is not in the store";
        }
}

// `rig run` of the EOL plan on the virtual bench, as the kill test starts it.
std::vector<std::string> eol_run_argv(const std::string& serial, int seed, const fs::path& db, const fs::path& out) {
    return {kRig, "run", "--fixture", kFixture, "--plan", kEol, "--serial", serial, "--sim", "--clock", "virtual",
            "--seed", std::to_string(seed), "--db", db.string(), "--out", out.string()};
}

TEST(ReportsEndToEnd, kill_9_of_rig_run_20_times_leaves_every_started_run_aborted_with_its_measurements) {
    auto dir = fresh_dir(fresh_name());
    fs::path db = dir / "results.db", out = dir / "runs";
    using Clock = std::chrono::steady_clock;

    // One run to the end first, to learn how long start-up and each step take in wall time
    // on this machine now: marks[j] = when progress line j came (marks[0] = 0, the spawn).
    std::vector<Clock::duration> marks{Clock::duration::zero()};
    {
        auto t0 = Clock::now();
        RigProcess cal(eol_run_argv("KILL-CALIBRATION", 99, db, out));
        ASSERT_EQ(cal.error(), "");
        while (auto line = cal.next_line(t0 + std::chrono::seconds(90)))
            if (progress_step(*line)) marks.push_back(Clock::now() - t0);
        int st = cal.wait();
        ASSERT_TRUE(WIFEXITED(st)) << cal.output();
        ASSERT_GE(marks.size(), 10u) << cal.output();  // only its timing matters
    }
    const std::size_t lines = marks.size() - 1;

    std::mt19937_64 rng(20261125);
    std::size_t killed_mid_run = 0, runs_in_store = 0;
    std::string taken;  // measurements in the store at each kill, for the log
    for (int i = 0; i < 20; ++i) {
        std::string serial = "KILL-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
        SCOPED_TRACE("kill " + std::to_string(i) + " (" + serial + ")");
        // The moment: a step drawn at random (k = 0: start-up, always so for the first kill;
        // k = j: the step after progress line j), then a random point inside it: wait for
        // line k, then a random share of the step's calibrated duration. So kills spread
        // from start-up to the last step however fast the rig runs.
        auto k = i == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % lines);
        std::uniform_real_distribution<double> share(0.0, 1.0);
        auto pause = std::chrono::duration_cast<std::chrono::microseconds>((marks[k + 1] - marks[k]) * share(rng));

        RigProcess p(eol_run_argv(serial, 100 + i, db, out));
        ASSERT_EQ(p.error(), "");
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
        std::set<std::string> steps_done;
        auto note = [&](const std::string& line) {
            if (auto s = progress_step(line)) steps_done.insert(*s);
        };
        std::size_t seen = 0;
        while (seen < k) {
            auto line = p.next_line(deadline);
            if (!line) break;
            note(*line);
            seen += progress_step(*line).has_value();
        }
        // Fewer lines than k: the run ended early by itself (checked below by its exit status).
        std::this_thread::sleep_for(pause);  // the random moment, not a synchronisation
        p.kill9();
        while (auto line = p.next_line(deadline)) note(*line);  // all it printed before it died
        int status = p.wait();
        bool was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        // A kill in the last step can miss: then the run ended normally, and a good unit PASSes.
        ASSERT_TRUE(was_killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
            << "status " << status << "\n" << p.output();

        // The store opens, through the CLI and through the library, in either order (the
        // first one to open it marks the dead writer's run aborted).
        CommandResult history;
        bool db_existed = fs::exists(db);  // a kill during start-up can come before the store is created
        auto cli = [&] { history = rig("history --serial " + serial + " --db " + shell_quoted(db.string())); };
        if (i % 2 == 0) cli();
        auto store = Store::open(db);
        ASSERT_TRUE(store) << store.status().describe();
        if (i % 2 == 1) cli();
        if (!db_existed && i % 2 == 0) {
            // Reading never creates a store: "no results store", bad input; and no step was done.
            EXPECT_EQ(history.status, 3) << history.output;
            EXPECT_TRUE(steps_done.empty()) << p.output();
            history = rig("history --serial " + serial + " --db " + shell_quoted(db.string()));
        }
        ASSERT_EQ(history.status, 0) << history.output;
        RunQuery running;
        running.state = RunState::running;
        auto left = (*store)->runs(running);
        ASSERT_TRUE(left) << left.status().describe();
        EXPECT_TRUE(left->empty()) << "a run is still marked running after recovery";

        auto runs = (*store)->history(serial);
        ASSERT_TRUE(runs) << runs.status().describe();
        ASSERT_LE(runs->size(), 1u);
        if (runs->empty()) {
            // Killed before the run began in the store: the rig never reported a step, and a
            // run directory begun just before the kill holds nothing measured.
            EXPECT_TRUE(steps_done.empty()) << p.output();
            if (fs::exists(out))
                for (const auto& e : fs::directory_iterator(out))
                    if (e.path().filename().string().find("-" + serial + "-") != std::string::npos) {
                        auto rec = load_record(e.path());
                        if (rec) {
                            EXPECT_TRUE(rec->measurements.empty());
                        }
                    }
            EXPECT_NE(history.output.find("no runs"), std::string::npos) << history.output;
            continue;
        }
        ++runs_in_store;
        const RunSummary& sum = runs->front();
        auto stored = (*store)->load(sum.run_id);
        ASSERT_TRUE(stored) << stored.status().describe();
        auto witness = load_record(out / sum.run_id);
        ASSERT_TRUE(witness) << "run directory of " << sum.run_id << ": " << witness.status().describe();
        if (stored->state == RunState::completed) {
            // The kill came after the run ended (or the rig finished first).
            EXPECT_EQ(witness->state, RunState::completed);
            EXPECT_EQ(stored->measurements.size(), witness->measurements.size());
        } else {
            ++killed_mid_run;
            EXPECT_TRUE(was_killed);
            EXPECT_EQ(stored->state, RunState::aborted);
            EXPECT_EQ(stored->verdict, Verdict::error);
            EXPECT_EQ(stored->reason, kStoppedReason);
            // The run directory's record is aborted too, unless the kill fell between its end
            // and the store's.
            if (witness->state != RunState::completed) {
                EXPECT_EQ(witness->state, RunState::aborted);
                EXPECT_EQ(witness->verdict, Verdict::error);
            }
        }
        expect_store_holds_what_was_taken(*stored, *witness, steps_done);
        taken += " " + std::to_string(stored->measurements.size());
        // `rig history` shows the same: run id, state, verdict, number of measurements.
        std::smatch m;
        ASSERT_TRUE(std::regex_search(history.output, m,
                                      std::regex(sum.run_id + R"(\s+\S+ \S+\s+(\w+)\s+(\w+)\s+(\d+)\s+)")))
            << history.output;
        EXPECT_EQ(m[1].str(), to_string(stored->state));
        EXPECT_EQ(m[2].str(), to_string(stored->verdict));
        EXPECT_EQ(m[3].str(), std::to_string(stored->measurements.size()));
    }
    // Kills inside the last step may come after the run ended; never most of them.
    EXPECT_GE(killed_mid_run, 10u);
    std::printf("[ stats    ] %zu of 20 kills left a run in the store, %zu of them aborted mid-run; measurements "
                "stored at each kill:%s\n",
                runs_in_store, killed_mid_run, taken.c_str());

    // The same store takes a normal run afterwards, and still holds every killed run.
    RunOut after = rig_run(kEol, "AFTER-KILLS", db, out, "--seed 7");
    ASSERT_EQ(after.status, 0) << after.output;
    auto store = Store::open(db);
    ASSERT_TRUE(store) << store.status().describe();
    EXPECT_EQ((*store)->recovered(), 0u);
    auto rec = (*store)->load(after.run_id);
    ASSERT_TRUE(rec) << rec.status().describe();
    EXPECT_EQ(rec->state, RunState::completed);
    EXPECT_EQ(rec->verdict, Verdict::pass);
    auto from_dir = load_record(after.dir);
    ASSERT_TRUE(from_dir) << from_dir.status().describe();
    EXPECT_EQ(rec->measurements.size(), from_dir->measurements.size());
    auto all = (*store)->runs(RunQuery{});
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), runs_in_store + 2);  // + the calibration run and this one
    fs::remove_all(dir);
}

// ---- rig stats over a population ------------------------------------------------------------

// A printed quantity ("615.9 µV", "-3.000 mV", "1.982 A", "100.0 %", "1.60") in SI, with half
// a unit of its last printed digit: the print rounding a comparison may tolerate.
struct Printed {
    double value{0}, half_ulp{0};
};

std::optional<Printed> parse_printed(const std::string& text, const std::string& unit) {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc()) return std::nullopt;
    std::string number(text.data(), p);
    auto dot = number.find('.');
    int decimals = dot == std::string::npos ? 0 : static_cast<int>(number.size() - dot - 1);
    std::string rest(p, end);
    while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    double scale = 1;
    if (rest == "%") scale = 0.01;
    else if (rest != unit) {
        static const std::map<std::string, double> prefix{{"n", 1e-9}, {"µ", 1e-6}, {"m", 1e-3}, {"k", 1e3}};
        auto it = prefix.find(rest.substr(0, rest.size() - unit.size()));
        if (unit.empty() || !rest.ends_with(unit) || it == prefix.end()) return std::nullopt;
        scale = it->second;
    }
    return Printed{v * scale, 0.5 * std::pow(10.0, -decimals) * scale * (1 + 1e-9)};
}

#define EXPECT_PRINTED(printed, exact, unit)                                                             \
    do {                                                                                                 \
        auto pp = parse_printed(printed, unit);                                                          \
        ASSERT_TRUE(pp) << "cannot read \"" << (printed) << "\"";                                        \
        EXPECT_LE(std::fabs(pp->value - (exact)), pp->half_ulp + 1e-15)                                  \
            << #exact << ": printed \"" << (printed) << "\", computed " << (exact);                      \
    } while (0)

std::vector<std::string> split_columns(const std::string& line) {  // two or more spaces
    std::vector<std::string> out;
    std::regex sep(R"(\s{2,})");
    for (std::sregex_token_iterator it(line.begin(), line.end(), sep, -1), e; it != e; ++it)
        if (!it->str().empty()) out.push_back(*it);
    return out;
}

// The hand computation, from the store's rows read with SQLite directly.
struct Hand {
    std::vector<double> values;
    std::size_t pass{0}, fail{0}, error{0};
    std::optional<double> low, high;
    double mean{0}, s{0}, min{0}, max{0}, yield{0}, cpk{0};
};

class Db {
public:
    explicit Db(const fs::path& file) { ok_ = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK; }
    ~Db() { sqlite3_close(db_); }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    bool ok() const { return ok_; }
    // Each row's columns as text (NULL as nullopt).
    std::vector<std::vector<std::optional<std::string>>> rows(const std::string& sql) {
        std::vector<std::vector<std::optional<std::string>>> out;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return out;
        while (sqlite3_step(s) == SQLITE_ROW) {
            std::vector<std::optional<std::string>> row;
            for (int c = 0; c < sqlite3_column_count(s); ++c) {
                if (sqlite3_column_type(s, c) == SQLITE_NULL) row.emplace_back();
                else row.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, c)));
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(s);
        return out;
    }
    std::optional<double> real(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        std::optional<double> v;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
            sqlite3_column_type(s, 0) != SQLITE_NULL)
            v = sqlite3_column_double(s, 0);
        sqlite3_finalize(s);
        return v;
    }
    std::vector<double> reals(const std::string& sql) {
        std::vector<double> out;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return out;
        while (sqlite3_step(s) == SQLITE_ROW) out.push_back(sqlite3_column_double(s, 0));
        sqlite3_finalize(s);
        return out;
    }

private:
    sqlite3* db_{nullptr};
    bool ok_{false};
};

Hand hand_stats(Db& db, const std::string& plan, const std::string& step, const std::string& name) {
    Hand h;
    std::string where = "FROM measurements m JOIN runs r ON r.run_id = m.run_id WHERE r.plan_name = '" + plan +
                        "' AND m.step = '" + step + "' AND m.name = '" + name + "'";
    h.values = db.reals("SELECT m.value " + where + " AND m.value IS NOT NULL AND m.verdict != 'SKIPPED'");
    for (const auto& row : db.rows("SELECT m.verdict " + where)) {
        h.pass += *row[0] == "PASS";
        h.fail += *row[0] == "FAIL";
        h.error += *row[0] == "ERROR";
    }
    h.low = db.real("SELECT m.low " + where + " ORDER BY r.started_ns DESC LIMIT 1");
    h.high = db.real("SELECT m.high " + where + " ORDER BY r.started_ns DESC LIMIT 1");
    if (h.values.size() < 2) return h;
    double n = static_cast<double>(h.values.size()), sum = 0, ss = 0;
    for (double v : h.values) sum += v;
    h.mean = sum / n;
    for (double v : h.values) ss += (v - h.mean) * (v - h.mean);
    h.s = std::sqrt(ss / (n - 1));
    h.min = *std::min_element(h.values.begin(), h.values.end());
    h.max = *std::max_element(h.values.begin(), h.values.end());
    h.yield = static_cast<double>(h.pass) / static_cast<double>(h.pass + h.fail + h.error);
    h.cpk = std::min(*h.high - h.mean, h.mean - *h.low) / (3 * h.s);
    return h;
}

TEST(ReportsEndToEnd, rig_stats_over_200_virtual_units_matches_a_hand_computation) {
    auto dir = fresh_dir(fresh_name());
    fs::path db = dir / "results.db", html = dir / "stats.html";
    const std::string plan = "population-short";
    // 200 units drawn from the population (no run directories: the store is what stats read),
    // then a retest of the first unit with a weak balancer: FPY counts only first runs.
    RunOut pop = rig_run(kPopulationPlan, "POP", db, "", "--population 200 --seed 5000");
    // Every unit is judged: a good population PASSes or FAILs (a drawn unit near a limit),
    // and an ERROR would mean the rig could not judge it, which is a failure of this test.
    ASSERT_TRUE(pop.status == 0 || pop.status == 1) << "exit " << pop.status << "\n" << digest(pop.output);
    std::size_t unit_lines = 0;
    const std::regex unit_line(R"(\S+-POP-\d+-\d+ (PASS|FAIL|ERROR) ([^\n]*))");
    for (std::sregex_iterator it(pop.output.begin(), pop.output.end(), unit_line), e; it != e; ++it) {
        ++unit_lines;
        EXPECT_NE((*it)[1], "ERROR") << (*it)[0];
    }
    ASSERT_EQ(unit_lines, 200u) << digest(pop.output);
    RunOut retest = rig_run(kPopulationPlan, "POP-0", db, "", "--seed 5000 --set balance_current_A=1.7");
    ASSERT_EQ(retest.status, 1) << retest.output;
    std::smatch id;
    ASSERT_TRUE(std::regex_search(retest.output, id, std::regex(R"((\S+-POP-0-\d+) FAIL )"))) << retest.output;
    retest.run_id = id[1];  // no run directory: rig_run found no "record:"

    auto text = rig("stats --plan " + plan + " --db " + shell_quoted(db.string()) + " --html " + shell_quoted(html.string()));
    ASSERT_EQ(text.status, 0) << text.output;

    Db sql(db);
    ASSERT_TRUE(sql.ok());
    // First-pass yield: each serial's earliest run decides.
    struct First {
        std::int64_t started_ns;
        std::string run_id, verdict;
    };
    std::map<std::string, First> first;  // serial -> its earliest run
    auto runs = sql.rows("SELECT serial, started_ns, run_id, verdict FROM runs WHERE plan_name = '" + plan + "'");
    ASSERT_EQ(runs.size(), 201u);
    for (const auto& r : runs) {
        First f{std::stoll(*r[1]), *r[2], *r[3]};
        auto [it, fresh] = first.try_emplace(*r[0], f);
        if (!fresh && std::tie(f.started_ns, f.run_id) < std::tie(it->second.started_ns, it->second.run_id)) it->second = f;
    }
    ASSERT_EQ(first.size(), 200u);
    std::size_t passed_first = 0;
    for (const auto& [serial, f] : first) passed_first += f.verdict == "PASS";
    EXPECT_NE(first.at("POP-0").run_id, retest.run_id) << "the retest must not be POP-0's first run";
    std::string fpy = format_fixed(100.0 * static_cast<double>(passed_first) / 200.0, 1) + " %";
    EXPECT_NE(text.output.find("plan " + plan + ": 201 runs, 200 units, first-pass yield " + fpy + " (" +
                               std::to_string(passed_first) + " of 200)"),
              std::string::npos)
        << text.output;

    std::map<std::string, std::vector<std::string>> table;  // "step/name" -> columns
    std::istringstream in(text.output);
    for (std::string line; std::getline(in, line);) {
        auto cols = split_columns(line);
        if (cols.size() >= 10 && cols[0].find('/') != std::string::npos) table[cols[0]] = cols;
    }
    std::string page = read_file(html);
    struct Key {
        std::string step, name, unit;
    };
    bool some_yield_below_1 = false;
    for (const Key& k : {Key{"p1_accuracy_3.3V", "cell_error.B1", "V"}, Key{"p1_accuracy_3.3V", "cell_error.B5", "V"},
                         Key{"p1_accuracy_3.3V", "cell_error.B9", "V"}, Key{"p2_balance_current", "balance_current", "A"}}) {
        std::string key = k.step + "/" + k.name;
        SCOPED_TRACE(key);
        Hand h = hand_stats(sql, plan, k.step, k.name);
        ASSERT_EQ(h.values.size(), 201u);  // 200 units and the retest
        ASSERT_TRUE(h.low && h.high);
        ASSERT_TRUE(table.count(key)) << text.output;
        const auto& c = table[key];  // key n mean s min max LSL USL yield Cpk
        EXPECT_EQ(c[1], std::to_string(h.values.size()));
        EXPECT_PRINTED(c[2], h.mean, k.unit);
        EXPECT_PRINTED(c[3], h.s, k.unit);
        EXPECT_PRINTED(c[4], h.min, k.unit);
        EXPECT_PRINTED(c[5], h.max, k.unit);
        EXPECT_PRINTED(c[6], *h.low, k.unit);
        EXPECT_PRINTED(c[7], *h.high, k.unit);
        EXPECT_PRINTED(c[8], h.yield, "");
        EXPECT_PRINTED(c[9], h.cpk, "");
        some_yield_below_1 = some_yield_below_1 || h.yield < 1.0;

        // The HTML page's row says the same (and counts PASS/FAIL/ERROR).
        std::smatch row;
        ASSERT_TRUE(std::regex_search(page, row, std::regex("<tr><td>" + std::regex_replace(key, std::regex(R"([.])"), R"(\.)") +
                                                             "</td>(.*?)</tr>")));
        std::vector<std::string> cells;
        std::string r = row[1];
        std::regex cell(R"(<td[^>]*>([^<]*)</td>)");
        for (std::sregex_iterator it(r.begin(), r.end(), cell), e; it != e; ++it) cells.push_back((*it)[1]);
        ASSERT_GE(cells.size(), 12u) << r;  // n mean s min max LSL USL PASS FAIL ERROR yield Cpk note
        EXPECT_EQ(cells[0], std::to_string(h.values.size()));
        EXPECT_EQ(cells[7], std::to_string(h.pass));
        EXPECT_EQ(cells[8], std::to_string(h.fail));
        EXPECT_EQ(cells[9], std::to_string(h.error));
        EXPECT_EQ(cells[11], c[9]);  // Cpk
        EXPECT_PRINTED(cells[11], h.cpk, "");
    }
    EXPECT_TRUE(some_yield_below_1) << "the failed retest must show in a yield";
    // One histogram per measurement row, and the page stands alone.
    std::size_t svgs = 0;
    for (auto p = page.find("<svg "); p != std::string::npos; p = page.find("<svg ", p + 1)) ++svgs;
    EXPECT_EQ(svgs, table.size());
    EXPECT_NE(page.find("<b id=\"fpy\">" + fpy + "</b>"), std::string::npos);
    expect_self_contained_html(page);
    fs::remove_all(dir);
}

// ---- rig compare on real runs ---------------------------------------------------------------

// The keys `rig compare` lists ("  ! step/name ...") with their lines.
std::map<std::string, std::string> listed(const std::string& output) {
    std::map<std::string, std::string> out;
    std::istringstream in(output);
    std::regex re(R"(^  [ !] (\S+) )");
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, re)) out[m[1]] = line;
    }
    return out;
}

TEST(ReportsEndToEnd, rig_compare_passes_an_identical_rerun_and_flags_injected_dut_faults) {
    auto dir = fresh_dir(fresh_name());
    fs::path db = dir / "results.db", out = dir / "runs";
    // Every run goes to the end (continue), so the comparison sees every measurement.
    const std::string same = "--seed 77 --stop-policy continue";
    RunOut base = rig_run(kEol, "CMP-BASE", db, out, same);
    ASSERT_EQ(base.status, 0) << base.output;
    RunOut rerun = rig_run(kEol, "CMP-RERUN", db, out, same);
    ASSERT_EQ(rerun.status, 0) << rerun.output;
    RunOut fault = rig_run(kEol, "CMP-FAULT", db, out, same + " --set cell_offset_mV.9=4.5");
    ASSERT_EQ(fault.status, 1) << fault.output;
    RunOut drift = rig_run(kEol, "CMP-DRIFT", db, out, same + " --set balance_current_A=1.9");
    ASSERT_EQ(drift.status, 0) << drift.output;  // still PASS: only the comparison sees it
    auto base_rec = load_record(base.dir);
    ASSERT_TRUE(base_rec) << base_rec.status().describe();
    std::string n = std::to_string(base_rec->measurements.size());
    std::string dbq = " --db " + shell_quoted(db.string());

    // Identical rerun (run directories): no regression, exit 0.
    auto a = rig("compare " + shell_quoted(base.dir.string()) + " " + shell_quoted(rerun.dir.string()));
    EXPECT_EQ(a.status, 0) << a.output;
    EXPECT_NE(a.output.find(n + " measurements compared, fraction 0.25: no regression"), std::string::npos) << a.output;
    EXPECT_TRUE(listed(a.output).empty()) << a.output;

    // A channel reading 4.5 mV high (run ids from the store): exactly cell B9, at each voltage.
    auto b = rig("compare " + base.run_id + " " + fault.run_id + dbq);
    EXPECT_EQ(b.status, 1) << b.output;
    EXPECT_NE(b.output.find(n + " measurements compared, fraction 0.25: REGRESSION"), std::string::npos) << b.output;
    auto lb = listed(b.output);
    EXPECT_EQ(lb.size(), 3u) << b.output;
    for (const char* v : {"1.0V", "3.3V", "5.0V"}) {
        std::string key = std::string("p1_accuracy_") + v + "/cell_error.B9";
        ASSERT_TRUE(lb.count(key)) << key << "\n" << b.output;
        EXPECT_NE(lb[key].find("  ! "), std::string::npos) << lb[key];
        EXPECT_NE(lb[key].find("verdict PASS -> FAIL (worse)"), std::string::npos) << lb[key];
    }

    // A weaker balancer (1.9 A, inside 2.0 A ± 10 %): no verdict changes, but the balancing
    // currents moved by more than 0.25 x their tolerance: a regression all the same.
    auto c = rig("compare " + base.run_id + " " + shell_quoted((drift.dir / "record.json").string()) + dbq);
    EXPECT_EQ(c.status, 1) << c.output;
    auto lc = listed(c.output);
    ASSERT_TRUE(lc.count("p2_balance_current/balance_current.50mV")) << c.output;
    for (const auto& [key, line] : lc) {
        EXPECT_EQ(line.find("verdict"), std::string::npos) << line;
        EXPECT_NE(line.find("moved"), std::string::npos) << line;
    }
    // ... and passes with a looser fraction than the drift (0.1 A of 0.2 A: 0.5).
    EXPECT_EQ(rig("compare " + base.run_id + " " + drift.run_id + " --fraction 0.6" + dbq).status, 0);
    fs::remove_all(dir);
}

// ---- a real run's reports, read by independent consumers -------------------------------------

TEST(ReportsEndToEnd, a_real_run_leaves_record_junit_csv_and_html_that_independent_readers_accept) {
    auto dir = fresh_dir(fresh_name());
    fs::path db = dir / "results.db", out = dir / "runs";
    // A unit with one channel out of spec, run to the end: PASS and FAIL rows in every report.
    RunOut r = rig_run(kEol, "REP-1", db, out, "--seed 5 --stop-policy continue --set cell_offset_mV.9=4.5");
    ASSERT_EQ(r.status, 1) << r.output;
    for (const char* f : {"record.json", "junit.xml", "measurements.csv", "report.html"})
        ASSERT_TRUE(fs::exists(r.dir / f)) << f;
    auto rec = load_record(r.dir);
    ASSERT_TRUE(rec) << rec.status().describe();
    EXPECT_EQ(rec->state, RunState::completed);
    EXPECT_EQ(rec->verdict, Verdict::fail);
    EXPECT_GT(rec->measurements.size(), 100u);
    EXPECT_EQ(count_of(*rec, Verdict::fail), 3u);
    // The fixture the operator gave (not the virtual bench's resolved copy), and every
    // instrument with its model, address and the identity it gave at connect: the
    // emulator, supply and meter have serials and firmware; the relay board and the JK link
    // have no such registers / query, but their maker and model are known.
    EXPECT_EQ(fs::path(rec->info.fixture_file), fs::path(kFixture));
    EXPECT_EQ(rec->info.fixture_sha256.size(), 64u);
    ASSERT_EQ(rec->info.instruments.size(), 5u);
    for (const auto& ins : rec->info.instruments) {
        EXPECT_FALSE(ins.kind.empty()) << ins.id;
        EXPECT_FALSE(ins.model.empty()) << ins.id;
        EXPECT_FALSE(ins.connection.empty()) << ins.id;
        EXPECT_FALSE(ins.manufacturer.empty()) << ins.id;
        if (ins.id == "emu" || ins.id == "psu" || ins.id == "dmm") {
            EXPECT_FALSE(ins.serial.empty()) << ins.id;
            EXPECT_FALSE(ins.firmware.empty()) << ins.id;
            EXPECT_EQ(ins.calibration_due, "2027-12-31") << ins.id;
        }
    }

    auto v = validate_records({r.dir / "record.json"});
    EXPECT_EQ(v.status, 0) << v.output;
    auto j = junit_counts(r.dir / "junit.xml");
    ASSERT_EQ(j.status, 0) << j.output;
    EXPECT_NE(j.output.find(expected_junit_totals(*rec)), std::string::npos) << j.output;
    EXPECT_NE(j.output.find(expected_junit_cases(*rec)), std::string::npos) << j.output;
    expect_csv_matches_record(r.dir / "measurements.csv", *rec);

    // The three plots of the issue, from the run's own data, and nothing fetched from outside.
    std::string html = read_file(r.dir / "report.html");
    for (const char* plot : {"DUT cell voltage error per channel", "Balancing current against time",
                             "Cell 1 voltage against time"})
        EXPECT_NE(html.find(std::string("<svg class=\"chart\" viewBox=\"0 0 760 320\" role=\"img\" aria-label=\"") + plot),
                  std::string::npos)
            << plot;
    EXPECT_NE(html.find("<polyline "), std::string::npos);
    EXPECT_NE(html.find("class=\"band\""), std::string::npos);  // the ±3 mV band
    std::size_t markers = 0;
    for (auto p = html.find("<circle class=\"marker\""); p != std::string::npos; p = html.find("<circle class=\"marker\"", p + 1))
        ++markers;
    EXPECT_EQ(markers, 2u);  // shutdown and power-up points
    expect_self_contained_html(html);
    if (fs::exists(kChromium)) expect_chromium_renders(r.dir / "report.html", dir);
    else std::printf("chromium is not installed: the browser rendering was not checked\n");
    fs::remove_all(dir);
}

}  // namespace
}  // namespace rig::reports
