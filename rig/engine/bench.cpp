#include "rig/engine/bench.hpp"

#include <condition_variable>
#include <mutex>
#include <set>

#include "drivers/factory.hpp"
#include "drivers/model.hpp"
#include "rig/core/log.hpp"

namespace rig::engine {

Result<std::shared_ptr<drivers::Instrument>> InstrumentPool::get(const std::string& id) {
    if (auto it = open_.find(id); it != open_.end()) return it->second;
    const InstrumentSpec* spec = fixture_.instrument(id);
    if (!spec) return Status(Code::invalid_argument, "fixture " + fixture_.file + " has no instrument \"" + id + "\"");
    auto inst = drivers::open_instrument(*spec);
    if (!inst) return inst.status().with_context("instrument " + id);
    open_[id] = *inst;
    return *inst;
}

void InstrumentPool::adopt(std::shared_ptr<drivers::Instrument> instrument) {
    auto id = instrument->id();
    open_[id] = std::move(instrument);
}

int InstrumentPool::users(const std::string& id) const {
    int n = 0;
    for (auto& s : fixture_.sockets)
        n += (s.cells == id || s.supply == id || s.meter == id || s.relays == id || s.dut == id) ? 1 : 0;
    return n;
}

namespace {

template <class Kind>
Result<std::shared_ptr<Kind>> get_as(InstrumentPool& pool, const std::string& id, const char* role) {
    if (id.empty()) return std::shared_ptr<Kind>();
    auto inst = pool.get(id);
    if (!inst) return inst.status();
    auto k = std::dynamic_pointer_cast<Kind>(*inst);
    if (!k) return Status(Code::not_supported, "instrument " + id + " cannot serve as the socket's " + role);
    return k;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}

}  // namespace

Result<std::unique_ptr<Bench>> Bench::open(const Fixture& fixture, const SocketSpec& socket, InstrumentPool& pool) {
    Parts parts;
    auto cells = get_as<drivers::CellEmulator>(pool, socket.cells, "cells");
    if (!cells) return cells.status();
    auto supply = get_as<drivers::Supply>(pool, socket.supply, "supply");
    if (!supply) return supply.status();
    auto meter = get_as<drivers::Meter>(pool, socket.meter, "meter");
    if (!meter) return meter.status();
    auto relays = get_as<drivers::RelayBank>(pool, socket.relays, "relays");
    if (!relays) return relays.status();
    auto dut = get_as<drivers::DutLink>(pool, socket.dut, "dut");
    if (!dut) return dut.status();
    parts.cells = *cells;
    parts.supply = *supply;
    parts.meter = *meter;
    parts.relays = *relays;
    parts.dut = *dut;
    parts.supply_shared = !socket.supply.empty() && pool.users(socket.supply) > 1;
    if (socket.interlock) {
        auto il = pool.get(socket.interlock->instrument);
        if (!il) return il.status();
        auto kind = (*il)->spec().kind;
        if (kind != InstrumentKind::relay_bank && kind != InstrumentKind::gpio)
            return Status(Code::invalid_argument, "instrument " + socket.interlock->instrument +
                                                      " cannot serve as socket " + socket.name +
                                                      "'s interlock: it has no inputs (a relay_bank or a gpio)");
        parts.interlock = *il;
    }
    return std::make_unique<Bench>(fixture, socket, std::move(parts));
}

Bench::Bench(const Fixture& fixture, SocketSpec socket, Parts parts)
    : fixture_(fixture), socket_(std::move(socket)), parts_(std::move(parts)) {
    if (parts_.cells) {
        if (auto* l = fixture_.limits("cells")) parts_.cells->set_safe_limits(*l);
    }
    if (parts_.supply) {
        if (auto* l = fixture_.limits("supply")) parts_.supply->set_safe_limits(*l);
    }
    // Every instrument that can energise the DUT asks the interlock first. The instrument
    // the interlock input is read from is not given the probe: the probe would take that
    // instrument's own lock again from inside one of its calls. Closing B+ through it is
    // checked here instead (set_relay).
    if (socket_.interlock && parts_.interlock) {
        interlock_probe_ = drivers::make_interlock_probe(parts_.interlock, *socket_.interlock);
        std::set<drivers::Instrument*> done;
        for (drivers::Instrument* inst : std::initializer_list<drivers::Instrument*>{
                 parts_.cells.get(), parts_.supply.get(), parts_.relays.get()}) {
            if (!inst || inst == parts_.interlock.get() || !done.insert(inst).second) continue;
            inst->set_interlock(interlock_probe_);
        }
    }
}

Bench::~Bench() {
    auto st = safe();
    if (!st) rig::log::get("bench")->warn("socket {}: safe state on release: {}", socket_.name, st.describe());
}

Status Bench::connect_all(const std::string& today) {
    std::set<drivers::Instrument*> done;
    for (drivers::Instrument* inst : std::initializer_list<drivers::Instrument*>{
             parts_.relays.get(), parts_.interlock.get(), parts_.cells.get(), parts_.supply.get(),
             parts_.meter.get(), parts_.dut.get()}) {
        if (!inst || !done.insert(inst).second || inst->connected()) continue;
        RIG_TRY(inst->connect(today));
    }
    if (parts_.dut) parts_.dut->set_address(socket_.dut_address);
    if (parts_.meter) RIG_TRY(parts_.meter->configure(drivers::MeterFunction::dc_amps, 0.1, 1.0));
    return Status::ok();
}

Status Bench::safe() {
    std::vector<std::string> errors;
    auto attempt = [&](const char* what, Status st) {
        if (!st) errors.push_back(std::string(what) + ": " + st.describe());
    };
    // B+ first: the supply is the big energy source.
    if (parts_.supply && parts_.supply->connected()) {
        if (parts_.supply_shared) {
            if (has_relay("bplus")) attempt("bplus relay", set_relay("bplus", false));
        } else {
            attempt("supply", parts_.supply->safe());
        }
    }
    if (parts_.cells && parts_.cells->connected()) {
        std::vector<int> channels;
        for (int pin = 1; pin <= socket_.cell_count; ++pin) channels.push_back(channel_of_pin(pin));
        attempt("cells", parts_.cells->set_outputs(channels, false));
        outputs_on_ = false;
    }
    if (parts_.relays && parts_.relays->connected()) {
        for (auto& [role, relay] : socket_.relay_map) attempt(("relay " + role).c_str(), parts_.relays->set(relay, false));
    }
    if (errors.empty()) return Status::ok();
    // The most telling code: a dropped connection says more than the rest.
    return Status(Code::device_error, "socket " + socket_.name + " safe state incomplete: " + join(errors));
}

Status InstrumentPool::safe_all() {
    std::vector<std::string> errors;
    for (auto kind : {InstrumentKind::supply, InstrumentKind::cell_emulator, InstrumentKind::relay_bank,
                      InstrumentKind::gpio, InstrumentKind::meter, InstrumentKind::dut_link})
        for (auto& [id, inst] : open_)
            if (inst->spec().kind == kind && inst->connected())
                if (auto st = inst->safe(); !st) errors.push_back(id + ": " + st.describe());
    if (errors.empty()) return Status::ok();
    return Status(Code::device_error, "fixture " + fixture_.name + " safe state incomplete: " + join(errors));
}

std::vector<int> Bench::pins_or_all(const std::vector<int>& pins) const {
    if (!pins.empty()) return pins;
    std::vector<int> all;
    for (int p = 1; p <= socket_.cell_count; ++p) all.push_back(p);
    return all;
}

Status Bench::set_relay(const std::string& role, bool on) {
    auto it = socket_.relay_map.find(role);
    if (it == socket_.relay_map.end() || !parts_.relays)
        return Status(Code::not_supported, "socket " + socket_.name + " has no relay \"" + role + "\" in its relay_map");
    if (on && role == "bplus") {
        auto closed = interlock_closed();
        if (!closed) return closed.status();
        if (!*closed) return Status(Code::interlock_open, "socket " + socket_.name + ": interlock open, B+ relay not closed");
    }
    return parts_.relays->set(it->second, on).with_context("relay " + role);
}

Result<bool> Bench::interlock_closed() {
    if (!interlock_probe_) return true;
    auto closed = interlock_probe_();
    if (!closed) return closed.status().with_context("socket " + socket_.name + " interlock");
    return *closed;
}

Status Bench::set_pin_voltages(const std::map<int, Volts>& by_pin) {
    if (!parts_.cells) return Status(Code::not_supported, "socket " + socket_.name + " has no cell emulator");
    std::vector<drivers::ChannelVoltage> sp;
    sp.reserve(by_pin.size());
    for (auto& [pin, v] : by_pin) {
        if (pin < 1 || pin > socket_.cell_count)
            return Status(Code::invalid_argument, "pin B" + std::to_string(pin) + " is not wired in socket " + socket_.name);
        sp.push_back({channel_of_pin(pin), v});
    }
    RIG_TRY(parts_.cells->set_voltages(sp));
    for (auto& [pin, v] : by_pin) setpoints_V_[pin] = v.value;
    return Status::ok();
}

std::optional<Volts> Bench::pin_setpoint(int pin) const {
    auto it = setpoints_V_.find(pin);
    if (it == setpoints_V_.end()) return std::nullopt;
    return Volts(it->second);
}

Status Bench::set_cell_outputs(bool on) {
    if (!parts_.cells) return Status(Code::not_supported, "socket " + socket_.name + " has no cell emulator");
    std::vector<int> channels;
    for (int pin = 1; pin <= socket_.cell_count; ++pin) channels.push_back(channel_of_pin(pin));
    RIG_TRY(parts_.cells->set_outputs(channels, on));
    outputs_on_ = on;
    return Status::ok();
}

Status Bench::keepalive() {
    if (!parts_.cells || !parts_.cells->connected() || socket_.cell_count < 1) return Status::ok();
    int ch = channel_of_pin(1);
    auto r = parts_.cells->read_voltages(std::span<const int>(&ch, 1));
    return r ? Status::ok() : r.status().with_context("keep-alive");
}

Status Bench::keepalive_if_due(TimePoint now, Duration every) {
    if (now - last_keepalive_ < every) return Status::ok();
    last_keepalive_ = now;
    return keepalive();
}

KeepAlive::KeepAlive(Bench& bench)
    : thread_([&bench](std::stop_token st) {
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          // A failed feed is not this thread's to report: the sequencer's next call to the
          // emulator fails the same way and becomes the step's ERROR.
          for (;;) {
              cv.wait_for(lock, st, std::chrono::milliseconds(500), [] { return false; });
              if (st.stop_requested()) return;
              (void)bench.keepalive();
          }
      }) {}

std::vector<reports::InstrumentRecord> Bench::instrument_records() const {
    std::vector<reports::InstrumentRecord> out;
    std::set<const drivers::Instrument*> done;
    for (const drivers::Instrument* inst : std::initializer_list<const drivers::Instrument*>{
             parts_.cells.get(), parts_.supply.get(), parts_.meter.get(), parts_.relays.get(),
             parts_.interlock.get(), parts_.dut.get()}) {
        if (!inst || !done.insert(inst).second) continue;
        reports::InstrumentRecord r;
        r.id = inst->id();
        r.kind = std::string(to_string(inst->spec().kind));
        r.model = inst->spec().model;
        r.connection = inst->spec().connection.str();
        r.manufacturer = inst->identity().manufacturer;
        r.identity_model = inst->identity().model;
        r.serial = inst->identity().serial;
        r.firmware = inst->identity().firmware;
        r.calibration_due = inst->spec().calibration_due.value_or("");
        out.push_back(std::move(r));
    }
    return out;
}

bool fixture_has_temperature(const Fixture& fixture, const SocketSpec& socket) {
    const InstrumentSpec* spec = fixture.instrument(socket.dut);
    if (!spec) return false;
    if (auto it = spec->options.find("temperature_input"); it != spec->options.end()) return it->second == "true";
    try {
        auto model = drivers::load_model(spec->model_file);
        return !model.quirk("temperature_scale").empty();
    } catch (const ConfigError&) {
        return false;
    }
}

bool Bench::has_temperature() const { return fixture_has_temperature(fixture_, socket_); }

}  // namespace rig::engine
