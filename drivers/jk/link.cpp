// Placeholder until the JK links land (owned by the drivers/jk work).
#include "drivers/jk/link.hpp"

namespace rig::drivers {

Result<std::unique_ptr<DutLink>> make_jk_link(const InstrumentSpec& spec, const ModelFile&) {
    return Status(Code::not_supported, "JK link not built yet for " + spec.id);
}

}  // namespace rig::drivers
