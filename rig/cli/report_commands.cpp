// rig history | report | stats | compare: the results store and records, from the shell.
//   rig history --serial SN [--db FILE]
//   rig report --run ID|PATH --format html|junit|csv|json [--db FILE] [--out FILE]
//   rig stats --plan P [--since DATE] [--db FILE] [--html FILE]
//   rig compare BASELINE RUN [--fraction 0.25] [--db FILE]    (record.json path, run dir or run id)
// The store is --db, else $RIG_DB, else ./rig-results.db. Exit status: 0 ok (compare: no
// regression), 1 regression (compare), 2 error (I/O, store), 3 bad input (arguments, unknown
// run, missing file). See docs/reports.md.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "reports/reports.hpp"
#include "rig/cli/commands.hpp"

namespace rig::cli {
namespace {

namespace fs = std::filesystem;
using namespace rig::reports;

constexpr int kExitOk = 0, kExitRegression = 1, kExitError = 2;

struct Options {
    std::string db, serial, run, format{"html"}, out, plan, since, html, baseline, candidate;
    double fraction{0.25};
};

std::string db_path(const Options& o) {
    if (!o.db.empty()) return o.db;
    if (const char* env = std::getenv("RIG_DB"); env && *env) return env;
    return "rig-results.db";
}

int fail(const Status& s) {
    std::fprintf(stderr, "rig: %s\n", s.describe().c_str());
    return s.code() == Code::invalid_argument ? kExitBadInput : kExitError;
}

int bad_input(const std::string& msg) {
    std::fprintf(stderr, "rig: %s\n", msg.c_str());
    return kExitBadInput;
}

// Read commands never create a store: a mistyped path is bad input, not an empty history.
Result<std::unique_ptr<Store>> open_existing(const Options& o) {
    std::string p = db_path(o);
    std::error_code ec;
    if (!fs::exists(p, ec))
        return Status(Code::invalid_argument, "no results store at " + p + " (use --db FILE or set RIG_DB)");
    return Store::open(p);
}

// A record.json path or run directory when it exists on disk, else a run id in the store.
Result<RunRecord> resolve_record(const Options& o, const std::string& ref, std::unique_ptr<Store>& store) {
    std::error_code ec;
    if (fs::exists(ref, ec)) return load_record(ref);
    if (!store) {
        auto s = open_existing(o);
        if (!s) return Status(Code::invalid_argument, "\"" + ref + "\" is neither a file nor a run id: " + s.status().message());
        store = std::move(*s);
    }
    return store->load(ref);
}

int write_out(const std::string& out, const std::string& text) {
    if (out.empty() || out == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? kExitOk : kExitError;
    }
    if (Status s = write_file_atomic(out, text); !s) return fail(s);
    return kExitOk;
}

int run_history(const Options& o) {
    auto store = open_existing(o);
    if (!store) return fail(store.status());
    auto runs = (*store)->history(o.serial);
    if (!runs) return fail(runs.status());
    if (runs->empty()) {
        std::printf("no runs of serial %s in %s\n", o.serial.c_str(), db_path(o).c_str());
        return kExitOk;
    }
    std::string t = fmt::format("{:<24} {:<44} {:<28} {:<9} {:<7} {:>5} {:>4} {:>5}  {}\n", "started", "run id",
                                "plan", "state", "verdict", "meas", "fail", "error", "reason");
    for (const auto& r : *runs)
        t += fmt::format("{:<24} {:<44} {:<28} {:<9} {:<7} {:>5} {:>4} {:>5}  {}\n", format_iso8601(r.started), r.run_id,
                         r.plan_name + " " + r.plan_version, to_string(r.state), to_string(r.verdict), r.measurements,
                         r.failed, r.errors, r.reason);
    return write_out("", t);
}

int run_report(const Options& o) {
    std::unique_ptr<Store> store;
    auto rec = resolve_record(o, o.run, store);
    if (!rec) return fail(rec.status());
    std::string text;
    if (o.format == "html") text = html_report(*rec);
    else if (o.format == "junit") text = junit_xml(*rec);
    else if (o.format == "csv") text = measurements_csv(*rec);
    else if (o.format == "json") text = record_to_string(*rec);
    else return bad_input("--format must be html, junit, csv or json, got \"" + o.format + "\"");
    return write_out(o.out, text);
}

int run_stats(const Options& o) {
    std::optional<TimePoint> since;
    if (!o.since.empty()) {
        auto t = parse_iso8601(o.since);
        if (!t) return bad_input("--since: " + t.status().message());
        since = *t;
    }
    auto store = open_existing(o);
    if (!store) return fail(store.status());
    auto rep = compute_stats(**store, o.plan, since);
    if (!rep) return fail(rep.status());
    if (rep->runs == 0) {
        std::printf("no runs of plan %s in %s\n", o.plan.c_str(), db_path(o).c_str());
        return kExitOk;
    }
    int rc = write_out("", stats_text(*rep));
    if (rc == kExitOk && !o.html.empty()) rc = write_out(o.html, stats_html(*rep));
    return rc;
}

int run_compare(const Options& o) {
    if (!(o.fraction >= 0)) return bad_input("--fraction must be >= 0");
    std::unique_ptr<Store> store;
    auto base = resolve_record(o, o.baseline, store);
    if (!base) return fail(base.status());
    auto cand = resolve_record(o, o.candidate, store);
    if (!cand) return fail(cand.status());
    Comparison c = compare(*base, *cand, o.fraction);
    int rc = write_out("", comparison_text(c));
    if (rc != kExitOk) return rc;
    return c.regression ? kExitRegression : kExitOk;
}

void add_db(CLI::App* cmd, Options& o) {
    cmd->add_option("--db", o.db, "results store (default: $RIG_DB, else ./rig-results.db)");
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<Options>();

    auto* history = app.add_subcommand("history", "List every run of one unit (oldest first)");
    history->add_option("--serial", o->serial, "DUT serial number")->required();
    add_db(history, *o);
    history->callback([o, &exit_code] { exit_code = run_history(*o); });

    auto* report = app.add_subcommand("report", "Make a report from a stored run or a record.json");
    report->add_option("--run", o->run, "run id in the store, or a record.json / run directory")->required();
    report->add_option("--format", o->format, "html, junit, csv or json (default html)")
        ->check(CLI::IsMember({"html", "junit", "csv", "json"}));
    report->add_option("--out", o->out, "write here instead of stdout");
    add_db(report, *o);
    report->callback([o, &exit_code] { exit_code = run_report(*o); });

    auto* stats = app.add_subcommand("stats", "QA statistics of a plan: mean, s, yield, Cpk, first-pass yield");
    stats->add_option("--plan", o->plan, "plan name")->required();
    stats->add_option("--since", o->since, "only runs started at or after this date (2026-11-01 or ISO 8601 UTC)");
    stats->add_option("--html", o->html, "also write an HTML page with histograms here");
    add_db(stats, *o);
    stats->callback([o, &exit_code] { exit_code = run_stats(*o); });

    auto* cmp = app.add_subcommand("compare", "Compare a run with a baseline run (firmware validation)");
    cmp->add_option("BASELINE", o->baseline, "baseline: record.json, run directory or run id")->required();
    cmp->add_option("RUN", o->candidate, "run to check: record.json, run directory or run id")->required();
    cmp->add_option("--fraction", o->fraction, "flag values that moved more than this share of the tolerance (0.25)");
    add_db(cmp, *o);
    cmp->callback([o, &exit_code] { exit_code = run_compare(*o); });
}

}  // namespace rig::cli
