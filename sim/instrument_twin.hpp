// InstrumentTwin: what every instrument twin shares, so a twin only writes its device logic:
// the settings table with the five faults of twin.hpp, the Endpoint on the instrument's
// connection (TCP port or pty, from the fixture), the seeded random generator for noise,
// and reset. A twin subclass adds its settings in its constructor, builds its protocol in
// do_start(), and applies settings in on_setting_changed().
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
    // A setting changed through set(), or every setting went back to its default in reset()
    // (a new unit: settings and faults cleared; the instrument's own state, its outputs and
    // setpoints, stays as the rig left it, as on a real bench).
    virtual void on_setting_changed() {}
    // Zero-mean noise, 1 sigma.
    double noise(double sigma) { return sigma > 0.0 ? std::normal_distribution<double>(0.0, sigma)(rng_) : 0.0; }

    InstrumentSpec spec_;
    SettingTable table_;
    Faults faults_;
    Reactor* reactor_{nullptr};
    World* world_{nullptr};
    std::mt19937_64 rng_{1};

private:
    std::unique_ptr<Endpoint> endpoint_;
};

}  // namespace rig::sim
