// Shared by the SCPI twins: checks that every command template of a model file is served
// by the twin's ScpiServer, so model file and twin cannot drift apart silently.
#pragma once

#include "drivers/model.hpp"
#include "rig/core/status.hpp"
#include "sim/scpi.hpp"

namespace rig::sim {

Status check_model_commands(const ScpiServer& scpi, const drivers::ModelFile& model);

}  // namespace rig::sim
