// InstrumentTwin: what every instrument twin shares, so a twin only writes its device logic:
// the settings table with the five faults of twin.hpp, the Endpoint on the instrument's
// connection (TCP port or pty, from the fixture), the seeded random generator for noise,
// and reset. A twin subclass adds its settings in its constructor, builds its protocol in
// do_start(), puts itself in its power-on state in power_on(), and applies settings in
// on_setting_changed().
//
// stuck_output, the same way in every twin: a twin keeps what it was commanded (cmd_*) apart
// from what it drives into the World, and copies the first into the second in one place
// (drive() -> its drive_world()), which does nothing while stuck_output is set. So the World stays frozen at
// its value when the fault was set, whatever the wire, a watchdog, a protection trip or *RST
// command; readbacks of setpoints show the command, measurements show the World. Clearing
// the fault makes the outputs follow the last command at once.
#pragma once

#include <memory>
#include <random>
#include <string>

#include "rig/fixture/fixture.hpp"
#include "sim/endpoint.hpp"
#include "sim/settings.hpp"
#include "sim/twin.hpp"

namespace rig::sim {

class InstrumentTwin : public Twin {
public:
    Status start(Reactor& reactor, World& world) final;
    std::string resolved_connection() const final;
    Status set(const std::string& name, const std::string& value) final;
    std::vector<SettingInfo> settings() const final { return table_.infos(); }
    Status reset(std::uint64_t seed, bool population) final;
    void stop() final { endpoint_.reset(); }
    const std::string& id() const { return spec_.id; }

protected:
    explicit InstrumentTwin(InstrumentSpec spec);
    // reactor_ and world_ are set; return the protocol the endpoint serves.
    virtual Result<FrameProtocol*> do_start() = 0;
    // The instrument as after switching it on: setpoints, outputs, error queue, protection
    // and watchdog at their power-on values (called at start and by reset(): a new unit
    // starts from a bench in its power-on state). Faults are already cleared when it runs.
    virtual void power_on() = 0;
    // A setting changed through set(), or every setting went back to its default in reset().
    // By default: the outputs follow the commands again (stuck_output may have been cleared).
    virtual void on_setting_changed() { drive(); }
    // Puts what the twin was commanded into the World, unless stuck_output froze it: every
    // command handler calls this after changing a command.
    void drive() {
        if (world_ && !faults_.stuck_output) drive_world();
    }
    // Zero-mean noise, 1 sigma.
    double noise(double sigma) { return sigma > 0.0 ? std::normal_distribution<double>(0.0, sigma)(rng_) : 0.0; }

    InstrumentSpec spec_;
    SettingTable table_;
    Faults faults_;
    Reactor* reactor_{nullptr};
    World* world_{nullptr};
    std::mt19937_64 rng_{1};

private:
    // Copies the twin's commands (setpoints, outputs, relays) into the World; only drive()
    // calls it. A twin that drives nothing (the meter) keeps the default.
    virtual void drive_world() {}

    std::unique_ptr<Endpoint> endpoint_;
};

}  // namespace rig::sim
