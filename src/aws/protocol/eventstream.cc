#include "aws/protocol/eventstream.h"

#include <boost/json/serialize.hpp>

#include <array>

#include "aws/protocol/codec.h"

namespace stratus::aws {
namespace {

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = MakeTable();

void Be32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

uint32_t Crc32(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (unsigned char ch : data) crc = kTable[(crc ^ ch) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string EncodeEventMessage(const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    h += static_cast<char>(name.size());
    h += name;
    h += static_cast<char>(7);  // string
    h += static_cast<char>((value.size() >> 8) & 0xff);
    h += static_cast<char>(value.size() & 0xff);
    h += value;
  }
  std::string out;
  uint32_t total = static_cast<uint32_t>(12 + h.size() + payload.size() + 4);
  Be32(out, total);
  Be32(out, static_cast<uint32_t>(h.size()));
  Be32(out, Crc32(out));
  out += h;
  out += payload;
  Be32(out, Crc32(out));
  return out;
}

std::string EncodeEvent(Protocol p, const Service& svc, const Shape& shape, std::string_view event_type,
                        const json::value& value) {
  bool cbor = p == Protocol::JsonCbor;
  std::string payload = cbor ? EncodeCborValue(shape, value, true)
                             : CanonicalToJsonText(shape, value, TsFormat::Default);
  return EncodeEventMessage({{":event-type", std::string(event_type)},
                             {":content-type", cbor ? "application/x-amz-cbor-1.1"
                                                    : "application/x-amz-json-" + svc.json_version},
                             {":message-type", "event"}},
                            payload);
}

}  // namespace stratus::aws
