#include "core/timefmt.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace stratus {
namespace {

// Days from civil, after H. Hinnant's algorithm; avoids timegm's locale and TZ coupling.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d, hh, mm, ss, ms, wday;
};

Civil ToCivil(int64_t epoch_ms) {
  int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  unsigned ms = static_cast<unsigned>(epoch_ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  unsigned wday = static_cast<unsigned>((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday
  return Civil{y + (m <= 2), m, d, static_cast<unsigned>(rem / 3600),
               static_cast<unsigned>(rem % 3600 / 60), static_cast<unsigned>(rem % 60), ms, wday};
}

bool Digits(std::string_view s, size_t pos, size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

std::string FormatIso8601(int64_t epoch_ms, bool with_millis) {
  Civil c = ToCivil(epoch_ms);
  char buf[40];
  if (with_millis && c.ms != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ",
                  static_cast<long long>(c.y), c.m, c.d, c.hh, c.mm, c.ss, c.ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(c.y),
                  c.m, c.d, c.hh, c.mm, c.ss);
  }
  return buf;
}

std::string FormatHttpDate(int64_t epoch_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Civil c = ToCivil(epoch_ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02u:%02u:%02u GMT", kDays[c.wday], c.d,
                kMonths[c.m - 1], static_cast<long long>(c.y), c.hh, c.mm, c.ss);
  return buf;
}

std::string HttpDateNow(int64_t epoch_ms) {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached;
  int64_t second = epoch_ms / 1000;
  if (second != cached_second) {
    cached = FormatHttpDate(epoch_ms);
    cached_second = second;
  }
  return cached;
}

std::string FormatAmzDate(int64_t epoch_ms) {
  Civil c = ToCivil(epoch_ms);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02uT%02u%02u%02uZ", static_cast<long long>(c.y), c.m,
                c.d, c.hh, c.mm, c.ss);
  return buf;
}

std::string FormatEpochSeconds(int64_t epoch_ms) {
  int64_t secs = epoch_ms / 1000;
  int64_t ms = epoch_ms % 1000;
  std::string out = std::to_string(secs);
  if (ms != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(ms < 0 ? -ms : ms));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  return out;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  unsigned y, mo, d, h = 0, mi = 0, se = 0;
  // ISO 8601 extended: YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm]
  if (s.size() >= 10 && s[4] == '-' && Digits(s, 0, 4, y) && Digits(s, 5, 2, mo) && s[7] == '-' &&
      Digits(s, 8, 2, d)) {
    size_t p = 10;
    int64_t ms = 0;
    int64_t offset_min = 0;
    if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
      if (!Digits(s, p + 1, 2, h) || s.size() < p + 6 || s[p + 3] != ':' ||
          !Digits(s, p + 4, 2, mi))
        return std::nullopt;
      p += 6;
      if (p < s.size() && s[p] == ':') {
        if (!Digits(s, p + 1, 2, se)) return std::nullopt;
        p += 3;
      }
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        int scale = 100;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
          ms += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
      }
      if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
        ++p;
      } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p] == '-' ? -1 : 1;
        unsigned oh, om = 0;
        if (!Digits(s, p + 1, 2, oh)) return std::nullopt;
        p += 3;
        if (p < s.size() && s[p] == ':') ++p;
        if (Digits(s, p, 2, om)) p += 2;
        offset_min = sign * static_cast<int64_t>(oh * 60 + om);
      }
    }
    if (p != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
      return std::nullopt;
    int64_t days = DaysFromCivil(y, mo, d);
    return ((days * 86400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + ms;
  }
  // SigV4 basic: YYYYMMDDTHHMMSSZ
  if (s.size() == 16 && s[8] == 'T' && s[15] == 'Z' && Digits(s, 0, 4, y) && Digits(s, 4, 2, mo) &&
      Digits(s, 6, 2, d) && Digits(s, 9, 2, h) && Digits(s, 11, 2, mi) && Digits(s, 13, 2, se)) {
    return (DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000;
  }
  // HTTP date: Tue, 02 Jan 2024 03:04:05 GMT
  if (s.size() >= 29 && s[3] == ',') {
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    auto mpos = kMonths.find(s.substr(8, 3));
    if (mpos == std::string_view::npos || !Digits(s, 5, 2, d) || !Digits(s, 12, 4, y) ||
        !Digits(s, 17, 2, h) || !Digits(s, 20, 2, mi) || !Digits(s, 23, 2, se))
      return std::nullopt;
    mo = static_cast<unsigned>(mpos / 3 + 1);
    return (DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000;
  }
  // Epoch seconds, possibly fractional.
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && ptr == s.data() + s.size()) {
    return static_cast<int64_t>(v * 1000.0 + (v >= 0 ? 0.5 : -0.5));
  }
  return std::nullopt;
}

}  // namespace stratus
