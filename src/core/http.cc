#include "core/http.h"

#include <cctype>

#include "core/encoding.h"

namespace stratus {

bool IEquals(std::string_view a, std::string_view b) {
  // ASCII only (header names are tokens); no locale lookups on this hot path.
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void ParseForm(std::string_view q, std::vector<std::pair<std::string, std::string>>& out) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace_back(UriDecode(pair.substr(0, eq), true),
                       eq == std::string_view::npos ? std::string()
                                                    : UriDecode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

std::string_view Headers::Get(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (IEquals(k, name)) return v;
  return {};
}

bool Headers::Has(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (IEquals(k, name)) return true;
  return false;
}

void Headers::Set(std::string_view name, std::string_view value) {
  for (auto& [k, v] : items_)
    if (IEquals(k, name)) {
      v = value;
      return;
    }
  items_.emplace_back(name, value);
}

void Headers::Add(std::string_view name, std::string_view value) { items_.emplace_back(name, value); }

void Headers::Remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& kv) { return IEquals(kv.first, name); });
}

std::string_view HttpRequest::Path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::Query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::vector<std::pair<std::string, std::string>> HttpRequest::QueryParams() const {
  std::vector<std::pair<std::string, std::string>> out;
  ParseForm(Query(), out);
  return out;
}

}  // namespace stratus
