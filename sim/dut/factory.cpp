// Placeholder until the JK twin lands (owned by the sim/dut work).
#include "sim/dut_factory.hpp"

namespace rig::sim {

Result<std::unique_ptr<Twin>> make_dut_twin(const InstrumentSpec& spec, const drivers::ModelFile&,
                                            const SocketSpec&, int) {
    return Status(Code::not_supported, "no DUT twin built yet for " + spec.id);
}

}  // namespace rig::sim
