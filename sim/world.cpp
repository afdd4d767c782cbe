#include "sim/world.hpp"

#include <numeric>

namespace rig::sim {

namespace {
const EmulatorChannel* channel_at(const std::vector<EmulatorChannel>& chs, int channel) {
    if (channel < 1 || channel > static_cast<int>(chs.size())) return nullptr;
    return &chs[static_cast<size_t>(channel - 1)];
}
}  // namespace

double World::pin_voltage(int channel) const {
    auto* c = channel_at(channels, channel);
    return (c && c->output && !c->open_lead) ? c->set_V : 0.0;
}

double World::bplus_V() const {
    if (!supply.output) return 0.0;
    if (bplus_relay >= 0 &&
        (bplus_relay >= static_cast<int>(relays.size()) || !relays[static_cast<size_t>(bplus_relay)]))
        return 0.0;
    return supply.set_V;
}

double World::supply_current_A() const {
    if (bplus_V() <= 0.0) return 0.0;
    return std::accumulate(dut_supply_A.begin(), dut_supply_A.end(), 0.0);
}

double World::channel_current_A(int channel) const {
    auto* c = channel_at(channels, channel);
    return (c && c->output && !c->open_lead) ? c->load_A : 0.0;
}

}  // namespace rig::sim
