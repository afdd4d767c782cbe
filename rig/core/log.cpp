#include "rig/core/log.hpp"

#include <mutex>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace rig::log {
namespace {
std::mutex g_mutex;
}

void setup(const Options& o) {
    std::lock_guard lock(g_mutex);
    std::vector<spdlog::sink_ptr> sinks;
    if (o.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!o.file.empty()) sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(o.file));
    auto logger = std::make_shared<spdlog::logger>("rig", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::from_str(o.level));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
    spdlog::drop_all();
    spdlog::set_default_logger(logger);
}

std::shared_ptr<spdlog::logger> get(const std::string& name) {
    std::lock_guard lock(g_mutex);
    if (auto l = spdlog::get(name)) return l;
    auto def = spdlog::default_logger();
    auto l = std::make_shared<spdlog::logger>(name, def->sinks().begin(), def->sinks().end());
    l->set_level(def->level());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
    spdlog::register_logger(l);
    return l;
}

}  // namespace rig::log
