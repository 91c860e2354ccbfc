#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace stratus::log {
namespace {
spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("stratus");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    return l;
  }();
  return *logger;
}
spdlog::level::level_enum Map(Level l) {
  switch (l) {
    case Level::Trace: return spdlog::level::trace;
    case Level::Debug: return spdlog::level::debug;
    case Level::Info: return spdlog::level::info;
    case Level::Warn: return spdlog::level::warn;
    case Level::Error: return spdlog::level::err;
    case Level::Off: return spdlog::level::off;
  }
  return spdlog::level::info;
}
}  // namespace

bool SetLevel(std::string_view level) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::Trace}, {"debug", Level::Debug}, {"info", Level::Info},
      {"warn", Level::Warn},   {"error", Level::Error}, {"off", Level::Off}};
  for (auto [name, l] : kLevels)
    if (name == level) {
      Logger().set_level(Map(l));
      return true;
    }
  return false;
}

bool Enabled(Level level) { return Logger().should_log(Map(level)); }

void Write(Level level, std::string_view message) {
  Logger().log(Map(level), "{}", message);
  if (level >= Level::Warn) Logger().flush();
}

}  // namespace stratus::log
