// DutLink's public, non-virtual side (drivers/dut_link.hpp): locking, connection state and
// error context live here once; the JK backends (drivers/jk) only talk.
#include "drivers/dut_link.hpp"

#include <fmt/format.h>

namespace rig::drivers {

std::string_view to_string(DutSetting s) {
    switch (s) {
        case DutSetting::cell_count: return "cell_count";
        case DutSetting::trigger_delta: return "trigger_delta";
        case DutSetting::max_balance_current: return "max_balance_current";
        case DutSetting::balancing_switch: return "balancing_switch";
    }
    return "unknown";
}

Result<DutStatus> DutLink::read_all() { return read("read all", false); }

Result<DutStatus> DutLink::probe() { return read("probe", true); }

Result<DutStatus> DutLink::read(std::string_view what, bool once) {
    std::lock_guard lock(mutex());
    if (!connected()) return Status(Code::disconnected, fmt::format("{}: {}: not connected", where(), what));
    auto r = once ? do_probe() : do_read_all();
    // Backends already name device and command; the instrument id goes in front once.
    if (!r) return r.status().with_context(where());
    return r;
}

Result<int> DutLink::write_setting(DutSetting s, int value) {
    std::lock_guard lock(mutex());
    if (!connected())
        return Status(Code::disconnected,
                      fmt::format("{}: write {}={}: not connected", where(), to_string(s), value));
    auto r = do_write_setting(s, value);
    if (!r) return r.status().with_context(fmt::format("{}: write {}={}", where(), to_string(s), value));
    return r;
}

}  // namespace rig::drivers
