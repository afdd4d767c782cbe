#include "reports/store.hpp"

#include <sqlite3.h>

#include <cmath>
#include <limits>

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "reports/record_json.hpp"

namespace rig::reports {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS runs(
  run_id TEXT PRIMARY KEY,
  serial TEXT NOT NULL, operator TEXT NOT NULL, station TEXT NOT NULL, socket TEXT NOT NULL,
  fixture_file TEXT NOT NULL, fixture_sha256 TEXT NOT NULL,
  plan_name TEXT NOT NULL, plan_version TEXT NOT NULL, plan_file TEXT NOT NULL, plan_sha256 TEXT NOT NULL,
  dut_model TEXT NOT NULL, dut_identity TEXT NOT NULL, dut_firmware TEXT NOT NULL,
  clock TEXT NOT NULL, seed INTEGER, sim_settings TEXT NOT NULL,
  started TEXT NOT NULL, started_ns INTEGER NOT NULL, ended TEXT, ended_ns INTEGER,
  state TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL,
  writer_pid INTEGER, writer_start_ticks INTEGER, writer_boot_id TEXT, writer_host TEXT);
CREATE INDEX IF NOT EXISTS runs_by_serial ON runs(serial, started_ns);
CREATE INDEX IF NOT EXISTS runs_by_started ON runs(started_ns);
CREATE INDEX IF NOT EXISTS runs_by_plan ON runs(plan_name, started_ns);
CREATE INDEX IF NOT EXISTS runs_by_verdict ON runs(verdict, started_ns);
CREATE INDEX IF NOT EXISTS runs_by_state ON runs(state);
CREATE TABLE IF NOT EXISTS instruments(
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, idx INTEGER NOT NULL,
  id TEXT NOT NULL, kind TEXT NOT NULL, model TEXT NOT NULL, connection TEXT NOT NULL,
  manufacturer TEXT NOT NULL, identity_model TEXT NOT NULL, serial TEXT NOT NULL,
  firmware TEXT NOT NULL, calibration_due TEXT NOT NULL,
  PRIMARY KEY(run_id, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS instruments_by_serial ON instruments(serial);
CREATE TABLE IF NOT EXISTS measurements(
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  step TEXT NOT NULL, name TEXT NOT NULL, value REAL, unit TEXT NOT NULL,
  low REAL, high REAL, nominal REAL, marginal REAL NOT NULL, uncertainty REAL NOT NULL,
  rule TEXT NOT NULL, verdict TEXT NOT NULL, zone TEXT NOT NULL, message TEXT NOT NULL,
  started_ns INTEGER NOT NULL, ended_ns INTEGER NOT NULL,
  PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS measurements_by_name ON measurements(name, step);
CREATE INDEX IF NOT EXISTS measurements_by_verdict ON measurements(verdict);
CREATE TABLE IF NOT EXISTS samples(
  run_id TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,
  t_ns INTEGER NOT NULL, value REAL,
  PRIMARY KEY(run_id, seq, idx),
  FOREIGN KEY(run_id, seq) REFERENCES measurements(run_id, seq) ON DELETE CASCADE) WITHOUT ROWID;
)sql";

std::int64_t ns(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_ns(std::int64_t v) { return TimePoint(std::chrono::nanoseconds(v)); }

// A prepared statement; bind indexes start at 1, column indexes at 0.
class Stmt {
public:
    Stmt(sqlite3* db, std::string_view sql) : db_(db) {
        rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    bool prepared() const { return rc_ == SQLITE_OK; }
    Stmt& text(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& real(int i, double v) {
        if (std::isfinite(v)) sqlite3_bind_double(s_, i, v);
        else sqlite3_bind_null(s_, i);
        return *this;
    }
    Stmt& real(int i, const std::optional<double>& v) { return v ? real(i, *v) : null(i); }
    Stmt& int64(int i, std::int64_t v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    Stmt& null(int i) {
        sqlite3_bind_null(s_, i);
        return *this;
    }
    int step() { return rc_ = sqlite3_step(s_); }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    int rc() const { return rc_; }

    std::string col_text(int i) const {
        auto p = sqlite3_column_text(s_, i);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
                 : std::string();
    }
    bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
    std::optional<double> col_real(int i) const {
        if (col_null(i)) return std::nullopt;
        return sqlite3_column_double(s_, i);
    }
    std::int64_t col_int64(int i) const { return sqlite3_column_int64(s_, i); }

private:
    sqlite3* db_;
    sqlite3_stmt* s_{nullptr};
    int rc_{SQLITE_OK};
};

Unit unit_of(const std::string& s) { return unit_from_symbol(s).value_or(Unit::none); }
Verdict verdict_of(const std::string& s) { return parse_verdict(s).value_or(Verdict::error); }
RunState state_of(const std::string& s) { return parse_run_state(s).value_or(RunState::aborted); }
Zone zone_of(const std::string& s) {
    for (Zone z : {Zone::inside, Zone::marginal, Zone::guard_band, Zone::outside})
        if (to_string(z) == s) return z;
    return Zone::outside;
}

}  // namespace

// ---- plumbing -----------------------------------------------------------------------------

#define RIG_SQL_FAIL(what) \
    Status(Code::io_error, "results store " + path_.string() + ": " + std::string(what) + ": " + sqlite3_errmsg(db_))

Status Store::exec(const char* sql, std::string_view what) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return Status(Code::io_error, "results store " + path_.string() + ": " + std::string(what) + ": " + msg);
    }
    return Status::ok();
}

namespace {
// BEGIN IMMEDIATE takes the write lock up front, so a busy store waits in busy_timeout
// instead of failing at COMMIT; the destructor rolls back whatever was not committed.
class Tx {
public:
    explicit Tx(sqlite3* db) : db_(db) { ok_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK; }
    ~Tx() {
        if (ok_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Tx(const Tx&) = delete;
    Tx& operator=(const Tx&) = delete;
    bool began() const { return ok_; }
    bool commit() {
        done_ = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
        return done_;
    }

private:
    sqlite3* db_;
    bool ok_{false}, done_{false};
};
}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file, StoreOptions options) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return Status(Code::io_error, "results store " + file.string() + ": cannot open: " + msg);
    }
    std::unique_ptr<Store> s(new Store(file, db, options));
    sqlite3_busy_timeout(db, 15000);
    sqlite3_extended_result_codes(db, 1);
    RIG_TRY(s->exec("PRAGMA journal_mode=WAL", "set WAL mode"));
    if (options.durability == Durability::every_call)
        RIG_TRY(s->exec("PRAGMA synchronous=FULL", "set synchronous=FULL"));
    else
        RIG_TRY(s->exec("PRAGMA synchronous=NORMAL", "set synchronous=NORMAL"));
    RIG_TRY(s->exec("PRAGMA foreign_keys=ON", "enable foreign keys"));
    RIG_TRY(s->exec(kSchema, "create tables"));
    auto n = s->recover();
    if (!n) return n.status();
    s->recovered_ = *n;
    if (*n > 0) spdlog::warn("results store {}: marked {} interrupted run(s) aborted", file.string(), *n);
    return s;
}

Store::~Store() { sqlite3_close(db_); }

Result<std::size_t> Store::recover() {
    struct Stale {
        std::string run_id;
        WriterInfo w;
    };
    std::vector<Stale> stale;
    {
        Stmt q(db_, "SELECT run_id, writer_pid, writer_start_ticks, writer_boot_id, writer_host FROM runs "
                    "WHERE state = 'running'");
        if (!q.prepared()) return RIG_SQL_FAIL("find running runs");
        while (q.step() == SQLITE_ROW) {
            Stale s{q.col_text(0), {}};
            s.w.pid = q.col_int64(1);
            s.w.start_ticks = static_cast<std::uint64_t>(q.col_int64(2));
            s.w.boot_id = q.col_text(3);
            s.w.host = q.col_text(4);
            if (!writer_alive(s.w)) stale.push_back(std::move(s));
        }
        if (q.rc() != SQLITE_DONE) return RIG_SQL_FAIL("find running runs");
    }
    std::size_t n = 0;
    for (const auto& s : stale) {
        Stmt u(db_, "UPDATE runs SET state = 'aborted', verdict = 'ERROR', reason = ?2, "
                    "ended_ns = COALESCE((SELECT MAX(ended_ns) FROM measurements WHERE run_id = ?1), started_ns) "
                    "WHERE run_id = ?1 AND state = 'running'");
        if (!u.prepared()) return RIG_SQL_FAIL("mark run aborted");
        u.text(1, s.run_id).text(2, kStoppedReason);
        if (u.step() != SQLITE_DONE) return RIG_SQL_FAIL("mark run " + s.run_id + " aborted");
        n += static_cast<std::size_t>(sqlite3_changes(db_));
        Stmt t(db_, "SELECT ended_ns FROM runs WHERE run_id = ?1");
        t.text(1, s.run_id);
        if (t.step() == SQLITE_ROW && !t.col_null(0)) {
            Stmt e(db_, "UPDATE runs SET ended = ?2 WHERE run_id = ?1");
            e.text(1, s.run_id).text(2, format_iso8601(from_ns(t.col_int64(0))));
            e.step();
        }
        spdlog::warn("results store {}: run {} (writer pid {}) was left running; marked aborted", path_.string(),
                     s.run_id, s.w.pid);
    }
    return n;
}

// ---- writing ------------------------------------------------------------------------------

Status Store::insert_run(const RunRecord& r, const WriterInfo* w) {
    const RunInfo& i = r.info;
    nlohmann::json sim = nlohmann::json::object();
    for (const auto& [k, v] : i.sim_settings) sim[k] = v;
    Stmt s(db_, "INSERT INTO runs(run_id, serial, operator, station, socket, fixture_file, fixture_sha256, "
                "plan_name, plan_version, plan_file, plan_sha256, dut_model, dut_identity, dut_firmware, clock, seed, "
                "sim_settings, started, started_ns, ended, ended_ns, state, verdict, reason, writer_pid, "
                "writer_start_ticks, writer_boot_id, writer_host) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)");
    if (!s.prepared()) return RIG_SQL_FAIL("prepare run insert");
    s.text(1, i.run_id).text(2, i.serial).text(3, i.operator_name).text(4, i.station).text(5, i.socket);
    s.text(6, i.fixture_file).text(7, i.fixture_sha256).text(8, i.plan_name).text(9, i.plan_version);
    s.text(10, i.plan_file).text(11, i.plan_sha256).text(12, i.dut_model).text(13, i.dut_identity);
    s.text(14, i.dut_firmware).text(15, i.clock);
    if (i.seed) s.int64(16, static_cast<std::int64_t>(*i.seed));
    else s.null(16);
    s.text(17, sim.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    s.text(18, format_iso8601(i.started)).int64(19, ns(i.started));
    if (r.state == RunState::running || r.ended == TimePoint{}) s.null(20).null(21);
    else s.text(20, format_iso8601(r.ended)).int64(21, ns(r.ended));
    s.text(22, to_string(r.state)).text(23, to_string(r.verdict)).text(24, r.reason);
    if (w) s.int64(25, w->pid).int64(26, static_cast<std::int64_t>(w->start_ticks)).text(27, w->boot_id).text(28, w->host);
    else s.null(25).null(26).null(27).null(28);
    if (s.step() != SQLITE_DONE) return RIG_SQL_FAIL("insert run " + i.run_id);
    Stmt ins(db_, "INSERT INTO instruments(run_id, idx, id, kind, model, connection, manufacturer, identity_model, "
                  "serial, firmware, calibration_due) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!ins.prepared()) return RIG_SQL_FAIL("prepare instrument insert");
    std::int64_t idx = 0;
    for (const auto& x : i.instruments) {
        ins.text(1, i.run_id).int64(2, idx++).text(3, x.id).text(4, x.kind).text(5, x.model).text(6, x.connection);
        ins.text(7, x.manufacturer).text(8, x.identity_model).text(9, x.serial).text(10, x.firmware);
        ins.text(11, x.calibration_due);
        if (ins.step() != SQLITE_DONE) return RIG_SQL_FAIL("insert instrument " + x.id + " of run " + i.run_id);
        ins.reset();
    }
    return Status::ok();
}

Status Store::insert_measurement(const std::string& run_id, std::size_t seq, const Measurement& m) {
    Stmt s(db_, "INSERT INTO measurements(run_id, seq, step, name, value, unit, low, high, nominal, marginal, "
                "uncertainty, rule, verdict, zone, message, started_ns, ended_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
    if (!s.prepared()) return RIG_SQL_FAIL("prepare measurement insert");
    auto sq = static_cast<std::int64_t>(seq);
    s.text(1, run_id).int64(2, sq).text(3, m.step).text(4, m.name).real(5, m.value).text(6, symbol(m.unit));
    s.real(7, m.limit.low).real(8, m.limit.high).real(9, m.limit.nominal).real(10, m.limit.marginal);
    s.real(11, m.uncertainty).text(12, to_string(m.rule)).text(13, to_string(m.verdict)).text(14, to_string(m.zone));
    s.text(15, m.message).int64(16, ns(m.started)).int64(17, ns(m.ended));
    if (s.step() != SQLITE_DONE)
        return RIG_SQL_FAIL("insert measurement " + std::to_string(seq) + " (" + m.step + "/" + m.name + ") of run " + run_id);
    if (m.samples.empty()) return Status::ok();
    Stmt p(db_, "INSERT INTO samples(run_id, seq, idx, t_ns, value) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!p.prepared()) return RIG_SQL_FAIL("prepare sample insert");
    std::int64_t idx = 0;
    for (const auto& x : m.samples) {
        p.text(1, run_id).int64(2, sq).int64(3, idx++).int64(4, ns(x.t)).real(5, x.value);
        if (p.step() != SQLITE_DONE) return RIG_SQL_FAIL("insert samples of " + m.step + "/" + m.name + " of run " + run_id);
        p.reset();
    }
    return Status::ok();
}

Status Store::begin_run(const RunInfo& info, const WriterInfo& writer) {
    Tx tx(db_);
    if (!tx.began()) return RIG_SQL_FAIL("begin transaction for run " + info.run_id);
    RunRecord r;
    r.info = info;
    r.state = RunState::running;
    r.verdict = Verdict::error;
    r.reason = "run in progress";
    RIG_TRY(insert_run(r, &writer));
    if (!tx.commit()) return RIG_SQL_FAIL("commit run " + info.run_id);
    return Status::ok();
}

Status Store::add_measurement(const std::string& run_id, std::size_t seq, const Measurement& m) {
    Tx tx(db_);
    if (!tx.began()) return RIG_SQL_FAIL("begin transaction for a measurement of run " + run_id);
    RIG_TRY(insert_measurement(run_id, seq, m));
    if (!tx.commit()) return RIG_SQL_FAIL("commit measurement " + std::to_string(seq) + " of run " + run_id);
    return Status::ok();
}

Status Store::end_run(const std::string& run_id, RunState state, Verdict verdict, const std::string& reason,
                      TimePoint ended) {
    // A FULL commit syncs the WAL, and with it every NORMAL commit of the unit before it.
    bool relaxed = options_.durability == Durability::end_of_run;
    if (relaxed) RIG_TRY(exec("PRAGMA synchronous=FULL", "set synchronous=FULL for the end of run " + run_id));
    Status st = update_end(run_id, state, verdict, reason, ended);
    if (relaxed) {
        Status back = exec("PRAGMA synchronous=NORMAL", "set synchronous=NORMAL");
        if (st) st = back;
    }
    return st;
}

Status Store::update_end(const std::string& run_id, RunState state, Verdict verdict, const std::string& reason,
                         TimePoint ended) {
    Stmt s(db_, "UPDATE runs SET state = ?2, verdict = ?3, reason = ?4, ended = ?5, ended_ns = ?6 WHERE run_id = ?1");
    if (!s.prepared()) return RIG_SQL_FAIL("prepare run end");
    s.text(1, run_id).text(2, to_string(state)).text(3, to_string(verdict)).text(4, reason);
    s.text(5, format_iso8601(ended)).int64(6, ns(ended));
    if (s.step() != SQLITE_DONE) return RIG_SQL_FAIL("end run " + run_id);
    if (sqlite3_changes(db_) != 1)
        return Status(Code::invalid_argument, "results store " + path_.string() + ": no run " + run_id + " to end");
    return Status::ok();
}

Status Store::put(const RunRecord& r) {
    Tx tx(db_);
    if (!tx.began()) return RIG_SQL_FAIL("begin transaction for run " + r.info.run_id);
    RIG_TRY(insert_run(r, nullptr));
    for (std::size_t k = 0; k < r.measurements.size(); ++k) RIG_TRY(insert_measurement(r.info.run_id, k, r.measurements[k]));
    if (!tx.commit()) return RIG_SQL_FAIL("commit run " + r.info.run_id);
    return Status::ok();
}

// ---- queries ------------------------------------------------------------------------------

Result<std::vector<RunSummary>> Store::history(const std::string& serial) {
    RunQuery q;
    q.serial = serial;
    return runs(q);
}

Result<std::vector<RunSummary>> Store::runs(const RunQuery& q) {
    std::string sql =
        "SELECT r.run_id, r.serial, r.plan_name, r.plan_version, r.station, r.socket, r.dut_firmware, r.started_ns, "
        "r.ended_ns, r.state, r.verdict, r.reason, "
        "(SELECT COUNT(*) FROM measurements m WHERE m.run_id = r.run_id), "
        "(SELECT COUNT(*) FROM measurements m WHERE m.run_id = r.run_id AND m.verdict = 'FAIL'), "
        "(SELECT COUNT(*) FROM measurements m WHERE m.run_id = r.run_id AND m.verdict = 'ERROR') "
        "FROM runs r WHERE 1 = 1";
    if (q.serial) sql += " AND r.serial = ?1";
    if (q.plan) sql += " AND r.plan_name = ?2";
    if (q.verdict) sql += " AND r.verdict = ?3";
    if (q.state) sql += " AND r.state = ?4";
    if (q.from) sql += " AND r.started_ns >= ?5";
    if (q.to) sql += " AND r.started_ns < ?6";
    sql += q.newest_first ? " ORDER BY r.started_ns DESC, r.run_id DESC" : " ORDER BY r.started_ns, r.run_id";
    if (q.limit) sql += " LIMIT " + std::to_string(q.limit);
    Stmt s(db_, sql);
    if (!s.prepared()) return RIG_SQL_FAIL("prepare run query");
    if (q.serial) s.text(1, *q.serial);
    if (q.plan) s.text(2, *q.plan);
    if (q.verdict) s.text(3, to_string(*q.verdict));
    if (q.state) s.text(4, to_string(*q.state));
    if (q.from) s.int64(5, ns(*q.from));
    if (q.to) s.int64(6, ns(*q.to));
    std::vector<RunSummary> out;
    while (s.step() == SQLITE_ROW) {
        RunSummary r;
        r.run_id = s.col_text(0);
        r.serial = s.col_text(1);
        r.plan_name = s.col_text(2);
        r.plan_version = s.col_text(3);
        r.station = s.col_text(4);
        r.socket = s.col_text(5);
        r.dut_firmware = s.col_text(6);
        r.started = from_ns(s.col_int64(7));
        if (!s.col_null(8)) r.ended = from_ns(s.col_int64(8));
        r.state = state_of(s.col_text(9));
        r.verdict = verdict_of(s.col_text(10));
        r.reason = s.col_text(11);
        r.measurements = static_cast<std::size_t>(s.col_int64(12));
        r.failed = static_cast<std::size_t>(s.col_int64(13));
        r.errors = static_cast<std::size_t>(s.col_int64(14));
        out.push_back(std::move(r));
    }
    if (s.rc() != SQLITE_DONE) return RIG_SQL_FAIL("query runs");
    return out;
}

namespace {
// Columns 0..14 of a measurement row, in the order every measurement query selects them.
constexpr const char* kMeasurementCols =
    "m.step, m.name, m.value, m.unit, m.low, m.high, m.nominal, m.marginal, m.uncertainty, m.rule, m.verdict, "
    "m.zone, m.message, m.started_ns, m.ended_ns";

Measurement read_measurement(const Stmt& s, int c) {
    Measurement m;
    m.step = s.col_text(c + 0);
    m.name = s.col_text(c + 1);
    m.value = s.col_real(c + 2).value_or(std::numeric_limits<double>::quiet_NaN());
    m.unit = unit_of(s.col_text(c + 3));
    m.limit.unit = m.unit;
    m.limit.low = s.col_real(c + 4);
    m.limit.high = s.col_real(c + 5);
    m.limit.nominal = s.col_real(c + 6);
    m.limit.marginal = s.col_real(c + 7).value_or(0.0);
    m.uncertainty = s.col_real(c + 8).value_or(0.0);
    m.rule = s.col_text(c + 9) == "guard_banded" ? DecisionRule::guard_banded : DecisionRule::simple;
    m.verdict = verdict_of(s.col_text(c + 10));
    m.zone = zone_of(s.col_text(c + 11));
    m.message = s.col_text(c + 12);
    m.started = from_ns(s.col_int64(c + 13));
    m.ended = from_ns(s.col_int64(c + 14));
    return m;
}
}  // namespace

Result<RunRecord> Store::load(const std::string& run_id) {
    RunRecord r;
    RunInfo& i = r.info;
    {
        Stmt s(db_, "SELECT run_id, serial, operator, station, socket, fixture_file, fixture_sha256, plan_name, "
                    "plan_version, plan_file, plan_sha256, dut_model, dut_identity, dut_firmware, clock, seed, "
                    "sim_settings, started_ns, ended_ns, state, verdict, reason FROM runs WHERE run_id = ?1");
        if (!s.prepared()) return RIG_SQL_FAIL("prepare run load");
        s.text(1, run_id);
        int rc = s.step();
        if (rc == SQLITE_DONE)
            return Status(Code::invalid_argument, "results store " + path_.string() + ": no run \"" + run_id + "\"");
        if (rc != SQLITE_ROW) return RIG_SQL_FAIL("load run " + run_id);
        i.run_id = s.col_text(0);
        i.serial = s.col_text(1);
        i.operator_name = s.col_text(2);
        i.station = s.col_text(3);
        i.socket = s.col_text(4);
        i.fixture_file = s.col_text(5);
        i.fixture_sha256 = s.col_text(6);
        i.plan_name = s.col_text(7);
        i.plan_version = s.col_text(8);
        i.plan_file = s.col_text(9);
        i.plan_sha256 = s.col_text(10);
        i.dut_model = s.col_text(11);
        i.dut_identity = s.col_text(12);
        i.dut_firmware = s.col_text(13);
        i.clock = s.col_text(14);
        if (!s.col_null(15)) i.seed = static_cast<std::uint64_t>(s.col_int64(15));
        auto sim = nlohmann::json::parse(s.col_text(16), nullptr, false);
        if (sim.is_object())
            for (const auto& [k, v] : sim.items())
                if (v.is_string()) i.sim_settings[k] = v.get<std::string>();
        i.started = from_ns(s.col_int64(17));
        if (!s.col_null(18)) r.ended = from_ns(s.col_int64(18));
        r.state = state_of(s.col_text(19));
        r.verdict = verdict_of(s.col_text(20));
        r.reason = s.col_text(21);
    }
    {
        Stmt s(db_, "SELECT id, kind, model, connection, manufacturer, identity_model, serial, firmware, "
                    "calibration_due FROM instruments WHERE run_id = ?1 ORDER BY idx");
        if (!s.prepared()) return RIG_SQL_FAIL("prepare instrument load");
        s.text(1, run_id);
        while (s.step() == SQLITE_ROW)
            i.instruments.push_back({s.col_text(0), s.col_text(1), s.col_text(2), s.col_text(3), s.col_text(4),
                                     s.col_text(5), s.col_text(6), s.col_text(7), s.col_text(8)});
        if (s.rc() != SQLITE_DONE) return RIG_SQL_FAIL("load instruments of run " + run_id);
    }
    {
        Stmt s(db_, std::string("SELECT ") + kMeasurementCols + " FROM measurements m WHERE m.run_id = ?1 ORDER BY m.seq");
        if (!s.prepared()) return RIG_SQL_FAIL("prepare measurement load");
        s.text(1, run_id);
        while (s.step() == SQLITE_ROW) r.measurements.push_back(read_measurement(s, 0));
        if (s.rc() != SQLITE_DONE) return RIG_SQL_FAIL("load measurements of run " + run_id);
    }
    {
        Stmt s(db_, "SELECT seq, t_ns, value FROM samples WHERE run_id = ?1 ORDER BY seq, idx");
        if (!s.prepared()) return RIG_SQL_FAIL("prepare sample load");
        s.text(1, run_id);
        while (s.step() == SQLITE_ROW) {
            auto seq = static_cast<std::size_t>(s.col_int64(0));
            if (seq >= r.measurements.size()) continue;
            r.measurements[seq].samples.push_back(
                {from_ns(s.col_int64(1)), s.col_real(2).value_or(std::numeric_limits<double>::quiet_NaN())});
        }
        if (s.rc() != SQLITE_DONE) return RIG_SQL_FAIL("load samples of run " + run_id);
    }
    return r;
}

Result<std::vector<MeasurementRow>> Store::plan_measurements(const std::string& plan, std::optional<TimePoint> since) {
    std::string sql = std::string("SELECT r.run_id, r.serial, r.started_ns, ") + kMeasurementCols +
                      " FROM runs r JOIN measurements m ON m.run_id = r.run_id WHERE r.plan_name = ?1";
    if (since) sql += " AND r.started_ns >= ?2";
    sql += " ORDER BY r.started_ns, r.run_id, m.seq";
    Stmt s(db_, sql);
    if (!s.prepared()) return RIG_SQL_FAIL("prepare plan measurement query");
    s.text(1, plan);
    if (since) s.int64(2, ns(*since));
    std::vector<MeasurementRow> out;
    while (s.step() == SQLITE_ROW) {
        MeasurementRow row;
        row.run_id = s.col_text(0);
        row.serial = s.col_text(1);
        row.run_started = from_ns(s.col_int64(2));
        row.m = read_measurement(s, 3);
        out.push_back(std::move(row));
    }
    if (s.rc() != SQLITE_DONE) return RIG_SQL_FAIL("query measurements of plan " + plan);
    return out;
}

}  // namespace rig::reports
