// Timestamp formats of the AWS protocols.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus {

// 2024-01-02T03:04:05Z, or with milliseconds 2024-01-02T03:04:05.123Z when ms != 0 and
// with_millis is set.
std::string FormatIso8601(int64_t epoch_ms, bool with_millis = true);
// Tue, 02 Jan 2024 03:04:05 GMT
std::string FormatHttpDate(int64_t epoch_ms);
// FormatHttpDate for the current second, cached per thread (every response carries a Date).
std::string HttpDateNow(int64_t epoch_ms);
// SigV4's basic format: 20240102T030405Z
std::string FormatAmzDate(int64_t epoch_ms);
// Seconds with up to millisecond fraction: 1704164645 or 1704164645.123
std::string FormatEpochSeconds(int64_t epoch_ms);

// Parses ISO 8601 (with optional fraction and offset), the basic SigV4 form, HTTP dates and
// epoch seconds. Returns epoch milliseconds.
std::optional<int64_t> ParseTimestamp(std::string_view text);

}  // namespace stratus
