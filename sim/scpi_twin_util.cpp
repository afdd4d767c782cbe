#include "sim/scpi_twin_util.hpp"

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

}  // namespace rig::sim
