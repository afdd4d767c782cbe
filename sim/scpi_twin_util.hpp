// Shared by the SCPI twins: checks that every command template of a model file is served
// by the twin's ScpiServer, so model file and twin cannot drift apart silently; and the
// *IDN? each model answers with, so a twin serving a Keysight model file is accepted by the
// drivers' identity check as that Keysight instrument.
#pragma once

#include "drivers/model.hpp"
#include "rig/core/status.hpp"
#include "sim/scpi.hpp"

namespace rig::sim {

Status check_model_commands(const ScpiServer& scpi, const drivers::ModelFile& model);

// *IDN? = "<maker_model>,<serial>,<firmware>". Known: rigsim-supply, keysight-e36xx (an
// E36312A), rigsim-meter, keysight-34461a; any other model answers as "JK-RIG,<model name>".
struct ScpiIdentity {
    std::string maker_model;  // "Keysight Technologies,34461A"
    std::string serial;       // default of the twin's `serial` setting
    std::string firmware;
};
ScpiIdentity scpi_identity_of(const std::string& model_name);

}  // namespace rig::sim
