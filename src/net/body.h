// Request body decodings below HTTP framing: aws-chunked (SigV4 streaming payloads) and
// gzip / deflate Content-Encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus::net {

// Decodes an aws-chunked body ("<hex>;chunk-signature=<sig>\r\n<data>\r\n ... 0;...\r\n" and
// optional trailers). nullopt when malformed.
std::optional<std::string> DecodeAwsChunked(std::string_view body);
// Inflates gzip or zlib data; nullopt when corrupt or over max_out bytes (then *too_large).
std::optional<std::string> Inflate(std::string_view data, size_t max_out, bool* too_large);

}  // namespace stratus::net
