// The JSON protocol with CBOR bodies (application/x-amz-cbor-1.1), as the AWS SDK for Java
// talks to Kinesis: blobs are byte strings, timestamps tag 1 with epoch milliseconds.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "aws/model.h"
#include "aws/protocol/codec.h"
#include "aws/protocol/eventstream.h"
#include "aws/route.h"

namespace stratus::aws {
namespace {

std::string Head(int major, uint64_t n) {
  std::string out;
  uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out += static_cast<char>(m | n);
  } else if (n <= 0xff) {
    out += static_cast<char>(m | 24);
    out += static_cast<char>(n);
  } else {
    out += static_cast<char>(m | 27);
    for (int i = 7; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  return out;
}
std::string Text(std::string_view s) { return Head(3, s.size()) + std::string(s); }
std::string Bytes(std::string_view s) { return Head(2, s.size()) + std::string(s); }
std::string Millis(uint64_t ms) { return "\xc1" + Head(0, ms); }

const Service& Kinesis() { return *CompiledService("kinesis"); }

TEST(JsonCbor, RoutesByContentType) {
  HttpRequest http;
  http.method = "POST";
  http.target = "/";
  http.headers.Set("X-Amz-Target", "Kinesis_20131202.PutRecord");
  http.headers.Set("Content-Type", "application/x-amz-cbor-1.1");
  auto r = RouteRequest(http, nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->protocol, Protocol::JsonCbor);
  http.headers.Set("Content-Type", "application/x-amz-json-1.1");
  EXPECT_EQ(RouteRequest(http, nullptr)->protocol, Protocol::Json);
}

TEST(JsonCbor, DecodesBlobsAndMillisecondTimestamps) {
  const Service& k = Kinesis();
  HttpRequest http;
  http.body = Head(5, 3) + Text("StreamName") + Text("s") + Text("Data") + Bytes(std::string("\x00\xff", 2)) +
              Text("PartitionKey") + Text("k");
  WireRequest w;
  w.http = &http;
  auto v = DecodeRequest(Protocol::JsonCbor, k, *k.FindOperation("PutRecord"), w);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(json::serialize(*v), R"({"StreamName":"s","Data":"AP8=","PartitionKey":"k"})");

  http.body = Head(5, 4) + Text("StreamName") + Text("s") + Text("ShardId") + Text("shardId-000000000000") +
              Text("ShardIteratorType") + Text("AT_TIMESTAMP") + Text("Timestamp") + Millis(1700000000123);
  v = DecodeRequest(Protocol::JsonCbor, k, *k.FindOperation("GetShardIterator"), w);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_DOUBLE_EQ(v->get_object().at("Timestamp").to_number<double>(), 1700000000.123);
  EXPECT_EQ(TimestampMillis(v->get_object().at("Timestamp")), 1700000000123);

  http.body = "\xa1\x64";  // truncated
  v = DecodeRequest(Protocol::JsonCbor, k, *k.FindOperation("PutRecord"), w);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code, "SerializationException");
}

TEST(JsonCbor, EncodesOutputAndErrors) {
  const Service& k = Kinesis();
  HttpResponse r;
  EncodeResponse(Protocol::JsonCbor, k, *k.FindOperation("GetRecords"),
                 json::value{{"Records", json::array{json::object{{"SequenceNumber", "1"},
                                                                  {"ApproximateArrivalTimestamp", 1700000000.5},
                                                                  {"Data", "AP8="},
                                                                  {"PartitionKey", "k"}}}},
                             {"MillisBehindLatest", 0}},
                 {"req-1"}, r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(r.headers.Get("smithy-protocol"), "");
  std::string record = Head(5, 4) + Text("SequenceNumber") + Text("1") + Text("ApproximateArrivalTimestamp") +
                       Millis(1700000000500) + Text("Data") + Bytes(std::string("\x00\xff", 2)) +
                       Text("PartitionKey") + Text("k");
  EXPECT_EQ(r.body, Head(5, 2) + Text("Records") + Head(4, 1) + record + Text("MillisBehindLatest") + Head(0, 0));

  HttpResponse e;
  EncodeError(Protocol::JsonCbor, k, nullptr,
              AwsError::Make("ResourceNotFoundException", "Stream s under account 1 not found."), {"req-2"}, e);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.headers.Get("Content-Type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(e.headers.Get("x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(e.body, Head(5, 2) + Text("__type") + Text("ResourceNotFoundException") + Text("message") +
                        Text("Stream s under account 1 not found."));
}

}  // namespace
}  // namespace stratus::aws

namespace stratus::aws {
namespace {

TEST(EventStream, Crc32AndMessageFraming) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  std::string m = EncodeEventMessage({{":message-type", "event"}}, "{}");
  // total length, headers length, prelude CRC, headers, payload, message CRC.
  ASSERT_EQ(m.size(), 12u + (1 + 13 + 1 + 2 + 5) + 2 + 4);
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(m[at])) << 24) | (uint32_t(uint8_t(m[at + 1])) << 16) |
           (uint32_t(uint8_t(m[at + 2])) << 8) | uint32_t(uint8_t(m[at + 3]));
  };
  EXPECT_EQ(be32(0), m.size());
  EXPECT_EQ(be32(4), 22u);
  EXPECT_EQ(be32(8), Crc32(std::string_view(m).substr(0, 8)));
  EXPECT_EQ(m.substr(12, 22), std::string("\x0d:message-type\x07\x00\x05" "event", 22));
  EXPECT_EQ(m.substr(34, 2), "{}");
  EXPECT_EQ(be32(36), Crc32(std::string_view(m).substr(0, 36)));
}

TEST(EventStream, KinesisEventsInJsonAndCbor) {
  const Service& k = *CompiledService("kinesis");
  const Shape* shape = k.FindShape("SubscribeToShardEvent");
  ASSERT_NE(shape, nullptr);
  json::value event{{"Records", json::array{}}, {"ContinuationSequenceNumber", "1"}, {"MillisBehindLatest", 0}};
  std::string j = EncodeEvent(Protocol::Json, k, *shape, "SubscribeToShardEvent", event);
  EXPECT_NE(j.find("application/x-amz-json-1.1"), std::string::npos);
  EXPECT_NE(j.find(R"({"Records":[],"ContinuationSequenceNumber":"1","MillisBehindLatest":0})"), std::string::npos);
  std::string c = EncodeEvent(Protocol::JsonCbor, k, *shape, "SubscribeToShardEvent", event);
  EXPECT_NE(c.find("application/x-amz-cbor-1.1"), std::string::npos);
  EXPECT_NE(c.find(EncodeCborValue(*shape, event, true)), std::string::npos);
}

}  // namespace
}  // namespace stratus::aws

namespace stratus::aws {
namespace {

// JSON output is written straight from the canonical value; unshaped parts (documents) must
// come out exactly as Boost.JSON's serializer writes them.
TEST(JsonText, UnshapedValuesMatchBoostSerializer) {
  Shape doc;
  doc.type = ShapeType::Document;
  json::value v = json::parse(
      R"({"s":"q\" b\\ \n\r\t\b\f \u0001\u001f \u007f é 𝄞","n":[-9223372036854775807,18446744073709551615,0,1.5,-2e-300],)"
      R"("b":[true,false,null],"o":{"":{},"e":[]}})");
  EXPECT_EQ(CanonicalToJsonText(doc, v, TsFormat::Default), json::serialize(v));
}

// Structure members come out in model order under their wire names, nulls and header members
// left out; a one-member object is looked up directly.
TEST(JsonText, StructuresFollowTheShape) {
  Shape str, ts, s;
  str.type = ShapeType::String;
  ts.type = ShapeType::Timestamp;
  s.type = ShapeType::Structure;
  MemberRef a, b, h, t;
  a.name = "A"; a.shape = &str;
  b.name = "B"; b.shape = &str; b.has_location_name = true; b.location_name = "bee";
  h.name = "H"; h.shape = &str; h.location = Location::Header;
  t.name = "T"; t.shape = &ts;
  s.members = {a, b, h, t};
  json::value v = json::parse(R"({"T":1700000000.5,"B":"2","H":"x","A":"1","X":"dropped"})");
  EXPECT_EQ(CanonicalToJsonText(s, v, TsFormat::Default), R"({"A":"1","bee":"2","T":1.7000000005E9})");
  EXPECT_EQ(CanonicalToJsonText(s, json::parse(R"({"B":"2"})"), TsFormat::Default), R"({"bee":"2"})");
  EXPECT_EQ(CanonicalToJsonText(s, json::parse(R"({"X":"2"})"), TsFormat::Default), "{}");
  EXPECT_EQ(CanonicalToJsonText(s, json::parse(R"({"A":null,"H":"x"})"), TsFormat::Default), "{}");
}

}  // namespace
}  // namespace stratus::aws
