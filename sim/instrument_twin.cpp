#include "sim/instrument_twin.hpp"

#include "rig/core/log.hpp"

namespace rig::sim {

namespace {
// FNV-1a: stable across standard libraries, unlike std::hash, so seeds reproduce anywhere.
std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}
}  // namespace

InstrumentTwin::InstrumentTwin(InstrumentSpec spec) : spec_(std::move(spec)) {
    faults_.add_to(table_, [this] {
        if (endpoint_) endpoint_->faults_changed();
    });
}

Status InstrumentTwin::start(Reactor& reactor, World& world) {
    reactor_ = &reactor;
    world_ = &world;
    auto proto = do_start();
    if (!proto) return proto.status().with_context(spec_.id);
    auto ep = Endpoint::open(reactor, spec_.id, spec_.connection, **proto, faults_);
    if (!ep) return ep.status();
    endpoint_ = std::move(*ep);
    return Status::ok();
}

std::string InstrumentTwin::resolved_connection() const {
    return endpoint_ ? endpoint_->resolved() : spec_.connection.str();
}

Status InstrumentTwin::set(const std::string& name, const std::string& value) {
    auto s = table_.set(name, value);
    if (!s) return s.with_context(spec_.id);
    on_setting_changed();
    rig::log::get("sim")->info("{}: {} = {}", spec_.id, name, value);
    return Status::ok();
}

Status InstrumentTwin::reset(std::uint64_t seed, bool) {
    table_.reset();
    // Each twin draws from its own stream, so adding an instrument does not shift the others.
    rng_.seed(seed ^ fnv1a(spec_.id));
    if (endpoint_) {
        endpoint_->reseed(seed ^ fnv1a(spec_.id + "/wire"));
        endpoint_->faults_changed();
    }
    if (world_) power_on();
    on_setting_changed();
    return Status::ok();
}

}  // namespace rig::sim
