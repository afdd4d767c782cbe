// In-process fakes of the instrument kinds, for unit tests of the sequencer and the step
// kinds only (end-to-end tests use the virtual bench over real transports). A tiny shared
// "world": the DUT reports the emulator's setpoints, draws B+ current while the supply is
// on, and can be told to fail in named ways.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "drivers/dut_link.hpp"
#include "drivers/kinds.hpp"
#include "reports/record.hpp"
#include "rig/engine/bench.hpp"

namespace rig::engine::testing {

struct FakeWorld {
    std::vector<double> cell_V = std::vector<double>(24, 0.0);
    std::vector<bool> cell_on = std::vector<bool>(24, false);
    std::vector<double> cell_A = std::vector<double>(24, 0.0);
    double supply_V{0.0};
    bool supply_on{false};
    std::map<int, bool> relays;
    bool lid_closed{true};
    // Failure injection.
    std::optional<Code> dut_read_error;   // every read-all fails with this
    int dut_fail_reads{0};                // the next N read-alls fail with dut_read_error_once
    Code dut_read_error_once{Code::disconnected};
    std::optional<Code> cells_error;      // every emulator call fails with this
    int dut_reads{0};
    int cells_off_calls{0};
    int supply_off_calls{0};
};

inline InstrumentSpec fake_spec(const std::string& id, InstrumentKind k) {
    InstrumentSpec s;
    s.id = id;
    s.kind = k;
    s.model = "fake";
    s.connection_text = "fake://" + id;
    s.retries = 0;
    s.timeout = std::chrono::milliseconds(10);
    return s;
}

class FakeCells final : public drivers::CellEmulator {
public:
    explicit FakeCells(FakeWorld& w) : CellEmulator(fake_spec("emu", InstrumentKind::cell_emulator), 24), w_(w) {}

private:
    Status do_open() override { return Status::ok(); }
    Result<drivers::Identity> do_identify() override { return drivers::Identity{"Fake", "CE24", "1", "1.0", ""}; }
    Status do_safe() override {
        ++w_.cells_off_calls;
        std::fill(w_.cell_on.begin(), w_.cell_on.end(), false);
        return Status::ok();
    }
    void do_close() override {}
    Status do_set_voltages(std::span<const drivers::ChannelVoltage> sp) override {
        if (w_.cells_error) return Status(*w_.cells_error, "fake emulator fault");
        for (auto& c : sp) w_.cell_V[static_cast<size_t>(c.channel - 1)] = c.voltage.value;
        return Status::ok();
    }
    Result<std::vector<Volts>> do_read_voltages(std::span<const int> ch) override {
        if (w_.cells_error) return Status(*w_.cells_error, "fake emulator fault");
        std::vector<Volts> out;
        for (int c : ch) out.push_back(Volts(w_.cell_V[static_cast<size_t>(c - 1)]));
        return out;
    }
    Result<std::vector<Amps>> do_read_currents(std::span<const int> ch) override {
        if (w_.cells_error) return Status(*w_.cells_error, "fake emulator fault");
        std::vector<Amps> out;
        for (int c : ch) out.push_back(Amps(w_.cell_A[static_cast<size_t>(c - 1)]));
        return out;
    }
    Status do_set_outputs(std::span<const int> ch, bool on) override {
        if (w_.cells_error) return Status(*w_.cells_error, "fake emulator fault");
        if (!on) ++w_.cells_off_calls;
        for (int c : ch) w_.cell_on[static_cast<size_t>(c - 1)] = on;
        return Status::ok();
    }
    Status do_set_open_lead(int, bool) override { return Status::ok(); }
    FakeWorld& w_;
};

class FakeSupply final : public drivers::Supply {
public:
    explicit FakeSupply(FakeWorld& w) : Supply(fake_spec("psu", InstrumentKind::supply)), w_(w) {}

private:
    Status do_open() override { return Status::ok(); }
    Result<drivers::Identity> do_identify() override { return drivers::Identity{"Fake", "PSU", "2", "1.0", ""}; }
    Status do_safe() override {
        ++w_.supply_off_calls;
        w_.supply_on = false;
        return Status::ok();
    }
    void do_close() override {}
    Status do_set_voltage(Volts v) override {
        w_.supply_V = v.value;
        return Status::ok();
    }
    Status do_set_current_limit(Amps) override { return Status::ok(); }
    Status do_set_output(bool on) override {
        if (!on) ++w_.supply_off_calls;
        w_.supply_on = on;
        return Status::ok();
    }
    Result<Volts> do_measure_voltage() override { return Volts(w_.supply_on ? w_.supply_V : 0.0); }
    Result<Amps> do_measure_current() override { return Amps(w_.supply_on ? 0.6 / std::max(1.0, w_.supply_V) : 0.0); }
    FakeWorld& w_;
};

class FakeMeter final : public drivers::Meter {
public:
    explicit FakeMeter(FakeWorld& w) : Meter(fake_spec("dmm", InstrumentKind::meter)), w_(w) {}

private:
    Status do_open() override { return Status::ok(); }
    Result<drivers::Identity> do_identify() override { return drivers::Identity{"Fake", "DMM", "3", "1.0", ""}; }
    Status do_safe() override { return Status::ok(); }
    void do_close() override {}
    Status do_configure(drivers::MeterFunction, std::optional<double>, double) override { return Status::ok(); }
    Result<double> do_read() override { return w_.supply_on ? 0.6 / std::max(1.0, w_.supply_V) : 0.0; }
    double do_uncertainty(double v) const override { return 1e-4 + 1e-3 * v; }
    FakeWorld& w_;
};

class FakeRelays final : public drivers::RelayBank {
public:
    explicit FakeRelays(FakeWorld& w) : RelayBank(fake_spec("rly", InstrumentKind::relay_bank), 8, 8), w_(w) {}

private:
    Status do_open() override { return Status::ok(); }
    Result<drivers::Identity> do_identify() override { return drivers::Identity{"Fake", "RLY", "4", "1.0", ""}; }
    Status do_safe() override {
        w_.relays.clear();
        return Status::ok();
    }
    void do_close() override {}
    Status do_set(int r, bool on) override {
        w_.relays[r] = on;
        return Status::ok();
    }
    Result<std::vector<bool>> do_read() override { return std::vector<bool>(8, false); }
    Result<std::vector<bool>> do_read_inputs() override {
        std::vector<bool> in(8, false);
        in[0] = w_.lid_closed;
        return in;
    }
    FakeWorld& w_;
};

class FakeDut final : public drivers::DutLink {
public:
    explicit FakeDut(FakeWorld& w) : DutLink(fake_spec("jk", InstrumentKind::dut_link)), w_(w) {}
    int cell_count{24};
    int trigger_mV{10}, max_mA{2000}, sw{1};

private:
    Status do_open() override { return Status::ok(); }
    Result<drivers::Identity> do_identify() override { return drivers::Identity{"Fake", "JK", "5", "1.0", ""}; }
    void do_close() override {}
    Result<drivers::DutStatus> do_read_all() override {
        ++w_.dut_reads;
        if (w_.dut_fail_reads > 0) {
            --w_.dut_fail_reads;
            return Status(w_.dut_read_error_once, "fake DUT link fault");
        }
        if (w_.dut_read_error) return Status(*w_.dut_read_error, "fake DUT link fault");
        drivers::DutStatus s;
        s.detected_cells = cell_count;
        s.configured_cells = cell_count;
        s.trigger_delta = Volts(trigger_mV * 1e-3);
        s.max_balance_current = Amps(max_mA * 1e-3);
        s.balancing_switch = sw != 0;
        for (int k = 0; k < 24; ++k) s.cells.push_back(Volts(w_.cell_on[static_cast<size_t>(k)] ? w_.cell_V[static_cast<size_t>(k)] : 0.0));
        s.temperature = Celsius(25.0);
        return s;
    }
    Result<int> do_write_setting(drivers::DutSetting s, int v) override {
        switch (s) {
            case drivers::DutSetting::cell_count: if (v >= 2 && v <= 24) cell_count = v; return cell_count;
            case drivers::DutSetting::trigger_delta: if (v >= 2 && v <= 1000) trigger_mV = v; return trigger_mV;
            case drivers::DutSetting::max_balance_current: if (v >= 30 && v <= 2000) max_mA = v; return max_mA;
            case drivers::DutSetting::balancing_switch: if (v == 0 || v == 1) sw = v; return sw;
        }
        return 0;
    }
    FakeWorld& w_;
};

// A fixture and socket for the fakes: 24 cells on channels 1-24, relays bplus 0 / comms 1,
// interlock on input 0 of the relay bank, the virtual bench's safe limits.
inline Fixture fake_fixture() {
    Fixture f;
    f.file = "fake-fixture.toml";
    f.name = "fake";
    f.station = "FAKE-01";
    f.safe_limits["cells"] = SafeLimits{Range{0.0, 5.0}, Range{-3.0, 3.0}, std::nullopt, {}};
    f.safe_limits["supply"] = SafeLimits{Range{0.0, 100.0}, Range{0.0, 0.5}, std::nullopt, {}};
    SocketSpec s;
    s.name = "A";
    s.cells = "emu";
    s.supply = "psu";
    s.meter = "dmm";
    s.relays = "rly";
    s.dut = "jk";
    s.cell_count = 24;
    for (int k = 1; k <= 24; ++k) s.wiring.push_back(k);
    s.relay_map = {{"bplus", 0}, {"comms", 1}};
    s.interlock = InterlockSpec{"rly", "0", true};
    f.sockets.push_back(s);
    return f;
}

struct FakeBench {
    FakeWorld world;
    Fixture fixture = fake_fixture();
    std::shared_ptr<FakeDut> dut = std::make_shared<FakeDut>(world);
    std::unique_ptr<Bench> bench;

    FakeBench() {
        Bench::Parts parts;
        parts.cells = std::make_shared<FakeCells>(world);
        parts.supply = std::make_shared<FakeSupply>(world);
        parts.meter = std::make_shared<FakeMeter>(world);
        auto relays = std::make_shared<FakeRelays>(world);
        parts.relays = relays;
        parts.interlock = relays;
        parts.dut = dut;
        bench = std::make_unique<Bench>(fixture, fixture.sockets[0], std::move(parts));
    }
};

// Collects the run as the sequencer emits it.
class MemorySink final : public reports::RecordSink {
public:
    reports::RunRecord record;
    int begins{0}, adds{0}, ends{0};
    std::optional<Status> fail_add;
    Status begin(const reports::RunInfo& info) override {
        ++begins;
        record.info = info;
        return Status::ok();
    }
    Status add(const Measurement& m) override {
        ++adds;
        if (fail_add) return *fail_add;
        record.measurements.push_back(m);
        return Status::ok();
    }
    Status end(reports::RunState s, Verdict v, const std::string& reason, TimePoint t) override {
        ++ends;
        record.state = s;
        record.verdict = v;
        record.reason = reason;
        record.ended = t;
        return Status::ok();
    }
};

}  // namespace rig::engine::testing
