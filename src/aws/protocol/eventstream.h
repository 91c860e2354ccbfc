// The AWS event stream message format (application/vnd.amazon.eventstream): a prelude (total
// and header lengths, CRC32), typed headers, a payload and a CRC32 of the message. Used for
// event-stream outputs such as Kinesis SubscribeToShard.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/model.h"
#include "core/json.h"

namespace stratus::aws {

// CRC-32 (IEEE 802.3, as zlib computes it).
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

// One message; every header is of type string (7).
std::string EncodeEventMessage(const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view payload);

// An event of an event-stream output: `value` (canonical form of `shape`) encoded as the
// request's protocol encodes bodies (JSON, or CBOR for JsonCbor), with the headers
// :event-type, :content-type and :message-type event.
std::string EncodeEvent(Protocol p, const Service& svc, const Shape& shape, std::string_view event_type,
                        const json::value& value);

}  // namespace stratus::aws
