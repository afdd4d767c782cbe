// Logging: the one place that configures spdlog. Everything else calls spdlog::info() etc.
// (the default logger) or rig::log::get(name) for a named logger ("sim", "driver.meter").
// Logs are for people: one line per event, with the instrument and socket.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace rig::log {

struct Options {
    std::string level{"info"};  // trace, debug, info, warn, error, off
    std::string file;           // also log to this file when not empty
    bool to_stderr{true};
};

// Installs the default logger (stderr, optional file). Safe to call more than once.
void setup(const Options& options);
// A named logger sharing the default logger's sinks and level.
std::shared_ptr<spdlog::logger> get(const std::string& name);

}  // namespace rig::log
