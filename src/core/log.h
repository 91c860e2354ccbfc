// Logging facade; spdlog stays behind it so its headers do not spread.
#pragma once

#include <string_view>

namespace stratus::log {

enum class Level { Trace, Debug, Info, Warn, Error, Off };
// Accepts trace|debug|info|warn|error|off; false for anything else.
bool SetLevel(std::string_view level);
bool Enabled(Level level);
void Write(Level level, std::string_view message);
inline void Info(std::string_view m) { Write(Level::Info, m); }
inline void Warn(std::string_view m) { Write(Level::Warn, m); }
inline void Error(std::string_view m) { Write(Level::Error, m); }
inline void Debug(std::string_view m) { Write(Level::Debug, m); }

}  // namespace stratus::log
