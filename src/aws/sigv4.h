// AWS Signature Version 4: parsing (Authorization header or presigned query) and computing
// the expected signature for verification.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/http.h"

namespace stratus::aws {

struct SigV4 {
  bool presigned = false;
  std::string access_key;
  std::string date;     // scope date, YYYYMMDD
  std::string region;
  std::string service;  // scope signing name
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;        // X-Amz-Date (header, query) or Date header
  std::string security_token;  // X-Amz-Security-Token
  long expires = 0;            // presigned X-Amz-Expires seconds
};

// Parses the request's SigV4 data. nullopt when the request carries none (anonymous); a
// malformed Authorization header yields an error message in *error.
std::optional<SigV4> ParseSigV4(const HttpRequest& req, std::string* error);

// The signature the request should carry for `secret`. `s3` selects S3's canonical path rules
// (no double encoding, no normalization).
std::string ComputeSignature(const HttpRequest& req, const SigV4& sig, std::string_view secret,
                             bool s3, std::string_view payload_hash_override = {});

}  // namespace stratus::aws
