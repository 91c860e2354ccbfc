#include "aws/sigv4.h"

#include <algorithm>

#include "core/encoding.h"

namespace stratus::aws {
namespace {

bool ParseCredential(std::string_view cred, SigV4& out) {
  // AKID/20240101/us-east-1/sts/aws4_request
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= cred.size(); ++i)
    if (i == cred.size() || cred[i] == '/') {
      parts.push_back(cred.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() != 5 || parts[4] != "aws4_request") return false;
  out.access_key = parts[0];
  out.date = parts[1];
  out.region = parts[2];
  out.service = parts[3];
  return true;
}

void SplitSignedHeaders(std::string_view s, std::vector<std::string>& out) {
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ';') {
      if (i > start) out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
}

}  // namespace

std::optional<SigV4> ParseSigV4(const HttpRequest& req, std::string* error) {
  SigV4 sig;
  std::string_view auth = req.headers.Get("Authorization");
  if (!auth.empty()) {
    if (!auth.starts_with("AWS4-HMAC-SHA256")) {
      if (error) *error = "Unsupported authorization type";
      return std::nullopt;
    }
    std::string_view rest = auth.substr(16);
    bool have_cred = false;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view part = TrimWs(rest.substr(0, comma));
      if (part.starts_with("Credential=")) have_cred = ParseCredential(part.substr(11), sig);
      else if (part.starts_with("SignedHeaders=")) SplitSignedHeaders(part.substr(14), sig.signed_headers);
      else if (part.starts_with("Signature=")) sig.signature = part.substr(10);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!have_cred) {
      if (error) *error = "Authorization header requires 'Credential' parameter. Authorization=" + std::string(auth);
      return std::nullopt;
    }
    sig.amz_date = req.headers.Get("X-Amz-Date");
    if (sig.amz_date.empty()) sig.amz_date = req.headers.Get("Date");
    sig.security_token = req.headers.Get("X-Amz-Security-Token");
    return sig;
  }
  if (req.Query().find("X-Amz-Credential") == std::string_view::npos) return std::nullopt;
  bool have_cred = false;
  for (const auto& [k, v] : req.QueryParams()) {
    if (k == "X-Amz-Credential") have_cred = ParseCredential(v, sig);
    else if (k == "X-Amz-SignedHeaders") SplitSignedHeaders(v, sig.signed_headers);
    else if (k == "X-Amz-Signature") sig.signature = v;
    else if (k == "X-Amz-Date") sig.amz_date = v;
    else if (k == "X-Amz-Security-Token") sig.security_token = v;
    else if (k == "X-Amz-Expires") sig.expires = std::atol(v.c_str());
  }
  if (!have_cred) {
    if (error) *error = "X-Amz-Credential is malformed";
    return std::nullopt;
  }
  sig.presigned = true;
  return sig;
}

std::string ComputeSignature(const HttpRequest& req, const SigV4& sig, std::string_view secret,
                             bool s3, std::string_view payload_hash_override) {
  std::string canonical;
  canonical.reserve(512);
  canonical += req.method;
  canonical += '\n';
  // Path: SDKs other than S3's encode the already-encoded path once more.
  std::string_view path = req.Path();
  if (path.empty()) path = "/";
  canonical += s3 ? std::string(path) : UriEncode(path, false);
  canonical += '\n';
  // Query: every parameter but the signature, encoded and sorted.
  std::vector<std::pair<std::string, std::string>> q;
  std::string_view raw = req.Query();
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string k = UriDecode(pair.substr(0, eq));
      std::string v = eq == std::string_view::npos ? "" : UriDecode(pair.substr(eq + 1));
      if (!(sig.presigned && k == "X-Amz-Signature")) q.emplace_back(UriEncode(k), UriEncode(v));
    }
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
  }
  std::sort(q.begin(), q.end());
  for (size_t i = 0; i < q.size(); ++i) {
    if (i) canonical += '&';
    canonical += q[i].first;
    canonical += '=';
    canonical += q[i].second;
  }
  canonical += '\n';
  std::vector<std::string> names = sig.signed_headers;
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    canonical += name;
    canonical += ':';
    // All values of the header, trimmed, sequential spaces folded, joined by ','.
    bool first = true;
    if (name == "content-encoding" && !req.original_content_encoding.empty()) {
      canonical += TrimWs(req.original_content_encoding);
      canonical += '\n';
      continue;
    }
    for (const auto& [k, v] : req.headers.all()) {
      if (!IEquals(k, name)) continue;
      if (!first) canonical += ',';
      first = false;
      std::string_view t = TrimWs(v);
      bool space = false;
      for (char c : t) {
        if (c == ' ') {
          if (!space) canonical += ' ';
          space = true;
        } else {
          canonical += c;
          space = false;
        }
      }
    }
    canonical += '\n';
  }
  canonical += '\n';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) canonical += ';';
    canonical += names[i];
  }
  canonical += '\n';
  std::string_view payload_header = req.headers.Get("x-amz-content-sha256");
  if (!payload_hash_override.empty()) canonical += payload_hash_override;
  else if (!payload_header.empty()) canonical += payload_header;
  else if (sig.presigned && s3) canonical += "UNSIGNED-PAYLOAD";
  else if (!req.raw_body_sha256.empty()) canonical += req.raw_body_sha256;
  else canonical += Sha256Hex(req.body);

  std::string scope = sig.date + "/" + sig.region + "/" + sig.service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + sig.amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string k = HmacSha256("AWS4" + std::string(secret), sig.date);
  k = HmacSha256(k, sig.region);
  k = HmacSha256(k, sig.service);
  k = HmacSha256(k, "aws4_request");
  return HexEncode(HmacSha256(k, to_sign));
}

}  // namespace stratus::aws
