// VirtualBench: fixture -> World + one twin per instrument on one reactor thread, the
// resolved fixture, and the control port (docs/virtual-time.md).
#include "sim/virtual_bench.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "drivers/model.hpp"
#include "rig/core/log.hpp"
#include "rig/core/toml.hpp"
#include "rig/fixture/fixture.hpp"
#include "sim/dut_factory.hpp"
#include "sim/endpoint.hpp"
#include "sim/instrument_twins.hpp"
#include "sim/world.hpp"

namespace fs = std::filesystem;

namespace rig::sim {
namespace {

// The control port's line protocol: one command per line, one reply line (OK ... / ERR ...).
class ControlProtocol final : public FrameProtocol {
public:
    explicit ControlProtocol(std::function<std::string(const std::string&)> handle) : handle_(std::move(handle)) {}
    std::optional<std::string> take_request(std::string& in) override {
        auto nl = in.find('\n');
        if (nl == std::string::npos) return std::nullopt;
        std::string line = in.substr(0, nl);
        in.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }
    std::string answer(const std::string& request) override { return handle_(request) + "\n"; }
    std::string corrupt(const std::string& reply, std::mt19937_64&) override { return reply; }
    bool binary() const override { return false; }

private:
    std::function<std::string(const std::string&)> handle_;
};

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> w;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) w.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return w;
}

template <class T>
bool parse_int(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

struct Served {
    const InstrumentSpec* spec;
    std::unique_ptr<Twin> twin;  // null: not served (and `why` says so)
    std::string why;
    bool is_dut{false};
};

// In virtual time the DUT twins answer unpaced, microseconds after a request, never after
// the protocol's reply time, so the resolved fixture gives their links two short waits
// (drivers/jk/links.hpp): the wire timeout for a read that must be answered, and the probe
// timeout for the one read that proves a shutdown by silence. The rig charges its virtual
// clock the protocol's reply time for every unanswered request (docs/virtual-time.md), so
// verdicts and virtual durations do not depend on either value; wall time does.
//  - wire 250 ms: a read-all that times out is retried, but a busy CI machine under ASan
//    has been seen to stall the reactor thread past 20 ms three times in a row; 250 ms is
//    ten thousand times the twin's answer time and only costs time when the DUT is silent.
//  - probe 20 ms: one per unit (P5); a thousand times the twin's answer time. A late answer
//    would be taken for silence, which only matters for a DUT that talks while shut down.
constexpr const char* kUnpacedWireTimeout = "250 ms";
constexpr const char* kUnpacedProbeTimeoutMs = "20";

std::string with_unpaced_wire_timeout(const std::string& resolved, const std::vector<Served>& served) {
    toml::table root = toml::parse(resolved);
    if (auto* insts = root["instruments"].as_table())
        for (auto& s : served)
            if (s.is_dut && s.twin)
                if (auto* t = (*insts)[s.spec->id].as_table()) {
                    t->insert_or_assign("timeout", kUnpacedWireTimeout);
                    if (!(*t)["options"].is_table()) t->insert_or_assign("options", toml::table{});
                    (*t)["options"].as_table()->insert_or_assign("probe_timeout_ms", kUnpacedProbeTimeoutMs);
                }
    std::ostringstream out;
    out << resolved.substr(0, resolved.find('\n') + 1) << root << "\n";
    return out.str();
}

class Bench final : public VirtualBench {
public:
    ~Bench() override { stop(); }

    Status init(const VirtualBenchOptions& o) {
        options_ = o;
        try {
            fixture_ = load_fixture(o.fixture_path);
        } catch (const ConfigError& e) {
            return Status(Code::invalid_argument, e.what());
        }
        auto epoch = o.epoch;
        if (epoch == TimePoint{}) epoch = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
        reactor_ = make_reactor(o.virtual_time, epoch);
        RIG_TRY(build_world_and_twins());
        for (auto& s : served_)
            if (s.twin) RIG_TRY(s.twin->start(*reactor_, world_));
        RIG_TRY(apply_reset(o.seed, o.population, o.settings));

        // Control port: the fixture's [sim] control, or a free loopback port.
        Connection ctl;
        ctl.scheme = "simctl-tcp";
        ctl.host = "127.0.0.1";
        if (fixture_.sim) ctl = fixture_.sim->control;
        control_proto_ = std::make_unique<ControlProtocol>([this](const std::string& l) { return control(l); });
        auto ep = Endpoint::open(*reactor_, "simctl", ctl, *control_proto_, no_faults_);
        if (!ep) return ep.status();
        control_ = std::move(*ep);

        RIG_TRY(write_resolved());
        wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        reactor_->watch(wakefd_, readable, [this](unsigned) { drain_queue(); });
        thread_ = std::jthread([this](std::stop_token st) { reactor_->run(st); });
        reactor_thread_ = thread_.get_id();
        return Status::ok();
    }

    const std::string& resolved_fixture_path() const override { return resolved_path_; }

    Status set(const std::string& name, const std::string& value) override {
        return on_reactor([&] { return route(name, value); });
    }

    Status reset_unit(std::uint64_t seed, bool population,
                      const std::vector<std::pair<std::string, std::string>>& settings) override {
        return on_reactor([&] { return apply_reset(seed, population, settings); });
    }

    std::string describe() const override { return describe_; }

    void stop() override {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
        {
            std::lock_guard lock(queue_m_);
            stopped_ = true;
            for (auto& j : queue_) j.done.set_value(Status(Code::cancelled, "the virtual bench stopped"));
            queue_.clear();
        }
        // Transports before the reactor: they unregister from it on destruction.
        control_.reset();
        for (auto& s : served_)
            if (s.twin) s.twin->stop();
        served_.clear();
        if (wakefd_ >= 0) {
            if (reactor_) reactor_->unwatch(wakefd_);
            ::close(wakefd_);
            wakefd_ = -1;
        }
        reactor_.reset();
    }

private:
    struct Job {
        std::function<Status()> fn;
        std::promise<Status> done;
    };

    // The World is reactor-thread-only: work from other threads is queued and run there.
    Status on_reactor(const std::function<Status()>& fn) {
        if (!thread_.joinable() || std::this_thread::get_id() == reactor_thread_) return fn();
        std::future<Status> f;
        {
            std::lock_guard lock(queue_m_);
            if (stopped_) return Status(Code::cancelled, "the virtual bench stopped");
            Job j{fn, {}};
            f = j.done.get_future();
            queue_.push_back(std::move(j));
        }
        std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wakefd_, &one, sizeof one);
        return f.get();
    }

    void drain_queue() {
        std::uint64_t v;
        while (::read(wakefd_, &v, sizeof v) > 0) {}
        std::vector<Job> jobs;
        {
            std::lock_guard lock(queue_m_);
            jobs.swap(queue_);
        }
        for (auto& j : jobs) j.done.set_value(j.fn());
    }

    Status build_world_and_twins() {
        auto log = rig::log::get("sim");
        int channels = 0;
        for (auto& spec : fixture_.instruments)
            if (spec.kind == InstrumentKind::cell_emulator) {
                try {
                    channels = std::max(channels, drivers::load_model(spec.model_file).channels);
                } catch (const ConfigError& e) {
                    return Status(Code::invalid_argument, e.what());
                }
            }
        world_.channels.assign(static_cast<size_t>(channels), EmulatorChannel{});
        world_.dut_supply_A.assign(fixture_.sockets.size(), 0.0);
        auto& first = fixture_.sockets.front();
        if (auto it = first.relay_map.find("bplus"); it != first.relay_map.end()) world_.bplus_relay = it->second;

        for (auto& spec : fixture_.instruments) {
            Served s{&spec, nullptr, {}, spec.kind == InstrumentKind::dut_link};
            drivers::ModelFile model;
            try {
                model = drivers::load_model(spec.model_file);
            } catch (const ConfigError& e) {
                return Status(Code::invalid_argument, e.what());
            }
            const auto& m = spec.model;
            if (m == "rigsim-ce24" || m == "rigsim-ce48") {
                s.twin = make_cell_emulator_twin(spec, model);
            } else if (m == "rigsim-supply" || m == "keysight-e36xx") {
                s.twin = make_scpi_supply_twin(spec, model);
            } else if (m == "rigsim-meter" || m == "keysight-34461a") {
                s.twin = make_meter_twin(spec, model);
            } else if (m == "rigsim-relay8d" || m == "waveshare-relay-8d") {
                std::vector<bool> inputs(static_cast<size_t>(model.inputs > 0 ? model.inputs : 8), false);
                for (auto& sock : fixture_.sockets)
                    if (sock.interlock && sock.interlock->instrument == spec.id) {
                        int idx = -1;
                        if (parse_int(sock.interlock->input, idx) && idx >= 0 && idx < static_cast<int>(inputs.size()))
                            inputs[static_cast<size_t>(idx)] = sock.interlock->closed_level;
                    }
                s.twin = make_relay_twin(spec, model, inputs);
            } else if (m == "riden-rd6018") {
                s.twin = make_riden_twin(spec);
            } else if (spec.kind == InstrumentKind::dut_link) {
                int index = -1;
                for (size_t i = 0; i < fixture_.sockets.size(); ++i)
                    if (fixture_.sockets[i].dut == spec.id) index = static_cast<int>(i);
                if (index < 0) {
                    s.why = "no socket uses it";
                } else {
                    auto t = make_dut_twin(spec, model, fixture_.sockets[static_cast<size_t>(index)], index);
                    if (t)
                        s.twin = std::move(*t);
                    else
                        s.why = t.status().message();
                }
            } else {
                s.why = "no twin for model \"" + m + "\"";
            }
            if (!s.twin) log->warn("{}: not served by the virtual bench: {}", spec.id, s.why);
            served_.push_back(std::move(s));
        }
        return Status::ok();
    }

    Twin* twin_for(const std::string& prefix, std::string* why) {
        std::string id = prefix;
        if (!fixture_.instrument(id)) {
            auto& sock = fixture_.sockets.front();
            if (prefix == "cells") id = sock.cells;
            else if (prefix == "supply") id = sock.supply;
            else if (prefix == "meter") id = sock.meter;
            else if (prefix == "relays") id = sock.relays;
            else if (prefix == "dut") id = sock.dut;
            else return nullptr;
        }
        for (auto& s : served_)
            if (s.spec->id == id) {
                if (!s.twin) *why = "instrument \"" + id + "\" is not served by the virtual bench (" + s.why + ")";
                return s.twin.get();
            }
        *why = "role \"" + prefix + "\" has no instrument in socket " + fixture_.sockets.front().name;
        return nullptr;
    }

    std::string known_targets() const {
        std::string s = "cells, supply, meter, relays, dut";
        for (auto& x : served_)
            if (x.twin) s += ", " + x.spec->id;
        return s;
    }

    // NAME=VALUE routing: "<instrument id or role>.<setting>" goes to that twin, anything
    // else to the DUT twin(s).
    Status route(const std::string& name, const std::string& value) {
        auto dot = name.find('.');
        if (dot != std::string::npos) {
            std::string why;
            auto prefix = name.substr(0, dot);
            if (auto* t = twin_for(prefix, &why)) return t->set(name.substr(dot + 1), value);
            if (!why.empty()) return Status(Code::invalid_argument, "setting " + name + ": " + why);
        }
        Status result = Status::ok();
        int duts = 0;
        for (auto& s : served_)
            if (s.is_dut && s.twin) {
                ++duts;
                auto st = s.twin->set(name, value);
                if (!st) result = st;
            }
        if (duts == 0)
            return Status(Code::invalid_argument,
                          "unknown setting \"" + name + "\": not ROLE.NAME or ID.NAME (" + known_targets() +
                              "), and no DUT twin is served to take it");
        return result;
    }

    Status apply_reset(std::uint64_t seed, bool population,
                       const std::vector<std::pair<std::string, std::string>>& settings) {
        // A new unit finds the bench as after switching it on (instruments first, so the
        // DUTs' first decision sees the bench at rest), then its settings.
        for (bool duts : {false, true})
            for (auto& s : served_)
                if (s.twin && s.is_dut == duts) RIG_TRY(s.twin->reset(seed, population).with_context(s.spec->id));
        if (fixture_.sim)
            for (auto& [k, v] : fixture_.sim->settings) RIG_TRY(route(k, v).with_context(fixture_.file + " [sim.settings]"));
        for (auto& [k, v] : settings) RIG_TRY(route(k, v));
        return Status::ok();
    }

    Status write_resolved() {
        std::map<std::string, std::string> conns;
        describe_.clear();
        for (auto& s : served_) {
            if (s.twin) conns[s.spec->id] = s.twin->resolved_connection();
            describe_ += fmt::format("{:<8} {:<20} {}\n", s.spec->id, s.spec->model,
                                     s.twin ? s.twin->resolved_connection() : "NOT SERVED: " + s.why);
        }
        auto ctl = control_->resolved();
        describe_ += fmt::format("{:<8} {:<20} {}\n", "control", reactor_->is_virtual() ? "virtual time" : "real time", ctl);
        std::string text;
        try {
            text = resolve_fixture_text(options_.fixture_path, conns, ctl);
            if (reactor_->is_virtual()) text = with_unpaced_wire_timeout(text, served_);
        } catch (const std::exception& e) {
            return Status(Code::invalid_argument, options_.fixture_path + ": " + e.what());
        }
        resolved_path_ = options_.resolved_path;
        if (resolved_path_.empty()) {
            char tmpl[] = "/tmp/rig-sim-XXXXXX.toml";
            int fd = ::mkstemps(tmpl, 5);
            if (fd < 0) return Status(Code::io_error, "cannot create a temporary resolved fixture");
            ::close(fd);
            resolved_path_ = tmpl;
        }
        // Write then rename, so a reader polling for the file never sees half of it.
        auto tmp = resolved_path_ + ".part";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << text;
            if (!out) return Status(Code::io_error, "cannot write " + tmp);
        }
        std::error_code ec;
        fs::rename(tmp, resolved_path_, ec);
        if (ec) return Status(Code::io_error, "cannot write " + resolved_path_ + ": " + ec.message());
        return Status::ok();
    }

    std::string control(const std::string& line) {
        auto w = words(line);
        if (w.empty()) return "ERR empty command";
        auto& cmd = w[0];
        auto now_ns = [&] { return std::to_string(reactor_->now().time_since_epoch().count()); };
        if (cmd == "PING") return "OK";
        if (cmd == "NOW?") return "OK " + now_ns();
        if (cmd == "ADVANCE") {
            long long ns = 0;
            if (w.size() != 2 || !parse_int(w[1], ns)) return "ERR usage: ADVANCE <ns since epoch>";
            auto st = reactor_->advance_to(TimePoint(Duration(ns)));
            if (!st) return "ERR " + st.message();
            return "OK " + now_ns();
        }
        if (cmd == "SET") {
            auto rest = std::string_view(line).substr(line.find("SET") + 3);
            auto v = words(rest);
            if (v.size() < 2) return "ERR usage: SET <name> <value>";
            auto name_at = rest.find(v[0]);
            auto value = std::string(rest.substr(rest.find(v[1], name_at + v[0].size())));
            while (!value.empty() && value.back() == ' ') value.pop_back();
            auto st = route(v[0], value);
            return st ? "OK" : "ERR " + st.message();
        }
        if (cmd == "RESET") {
            std::uint64_t seed = 0;
            int pop = 0;
            if (w.size() < 3 || !parse_int(w[1], seed) || !parse_int(w[2], pop) || (pop != 0 && pop != 1))
                return "ERR usage: RESET <seed> <population 0|1> [name=value ...]";
            std::vector<std::pair<std::string, std::string>> settings;
            for (size_t i = 3; i < w.size(); ++i) {
                auto eq = w[i].find('=');
                if (eq == std::string::npos || eq == 0) return "ERR expected name=value, got \"" + w[i] + "\"";
                settings.emplace_back(w[i].substr(0, eq), w[i].substr(eq + 1));
            }
            auto st = apply_reset(seed, pop == 1, settings);
            return st ? "OK" : "ERR " + st.message();
        }
        return "ERR unknown command \"" + cmd + "\" (PING, NOW?, ADVANCE, SET, RESET)";
    }

    VirtualBenchOptions options_;
    Fixture fixture_;
    std::unique_ptr<Reactor> reactor_;
    World world_;
    std::vector<Served> served_;
    Faults no_faults_;
    std::unique_ptr<ControlProtocol> control_proto_;
    std::unique_ptr<Endpoint> control_;
    std::string resolved_path_;
    std::string describe_;
    int wakefd_{-1};
    std::mutex queue_m_;
    std::vector<Job> queue_;
    bool stopped_{false};
    std::thread::id reactor_thread_;
    std::jthread thread_;
};

}  // namespace

Result<std::unique_ptr<VirtualBench>> VirtualBench::start(const VirtualBenchOptions& options) {
    auto b = std::make_unique<Bench>();
    auto st = b->init(options);
    if (!st) return st;
    return std::unique_ptr<VirtualBench>(std::move(b));
}

}  // namespace rig::sim
