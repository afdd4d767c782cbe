#include "sim/scpi_twin_util.hpp"

#include <string>

namespace rig::sim {

Status check_model_commands(const ScpiServer& scpi, const drivers::ModelFile& model) {
    std::map<std::string, std::string> args = {{"value", "1"}, {"channel", "1"}, {"channels", "1"},
                                               {"range", "10"}, {"nplc", "1"},  {"state", "ON"}};
    std::string missing;
    for (auto& [role, tmpl] : model.commands) {
        auto line = drivers::fill_template(tmpl, args);
        if (!scpi.serves(line)) missing += (missing.empty() ? "" : ", ") + role + " \"" + tmpl + "\"";
    }
    if (!missing.empty())
        return Status(Code::not_supported, model.file + ": commands the twin does not serve: " + missing);
    return Status::ok();
}

ScpiIdentity scpi_identity_of(const std::string& model_name) {
    // Firmware strings in the form the real instruments print (revision fields joined by '-').
    if (model_name == "rigsim-supply") return {"JK-RIG,PSU-120", "PSU120-0001", "1.0"};
    if (model_name == "rigsim-meter") return {"JK-RIG,DMM-6", "DMM6-0001", "1.0"};
    if (model_name == "keysight-e36xx") return {"Keysight Technologies,E36312A", "MY59000001", "2.1.0-1.0.4-1.12"};
    if (model_name == "keysight-34461a")
        return {"Keysight Technologies,34461A", "MY53000001", "A.03.01-02.40-03.01-00.52-04-02"};
    return {"JK-RIG," + model_name, "SIM-0001", "1.0"};
}

}  // namespace rig::sim
