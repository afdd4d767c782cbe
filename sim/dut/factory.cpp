// The seam rig-sim uses (sim/dut_factory.hpp): the JK twin for a dut_link instrument.
#include "sim/dut_factory.hpp"

#include "sim/dut/jk_twin.hpp"

namespace rig::sim {

Result<std::unique_ptr<Twin>> make_dut_twin(const InstrumentSpec& spec, const drivers::ModelFile& model,
                                            const SocketSpec& socket, int socket_index) {
    auto twin = dut::make_jk_twin(spec, model, socket, socket_index);
    if (!twin) return twin.status();
    return std::unique_ptr<Twin>(std::move(*twin));
}

}  // namespace rig::sim
