// Byte-exact golden cases per codec, on the compiled service models: what Stratus puts on
// the wire for a known value. The protocol-vector test checks meaning; these pin bytes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "aws/service.h"

#include "aws/model.h"
#include "aws/protocol/codec.h"
#include "core/encoding.h"

namespace stratus::aws {
namespace {

const Operation& Op(const Service& s, std::string_view name) {
  const Operation* op = s.FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}

TEST(CodecGolden, QueryResponseAndError) {
  const Service& sts = *CompiledService("sts");
  HttpResponse r;
  EncodeResponse(Protocol::Query, sts, Op(sts, "GetCallerIdentity"),
                 json::parse(R"({"UserId":"AIDA<1>","Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/a&b"})"),
                 {"req-1"}, r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type"), "text/xml");
  EXPECT_EQ(r.body,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<GetCallerIdentityResult><UserId>AIDA&lt;1&gt;</UserId><Account>123456789012</Account>"
            "<Arn>arn:aws:iam::123456789012:user/a&amp;b</Arn></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>");
  HttpResponse e;
  EncodeError(Protocol::Query, sts, nullptr, AwsError::QueryValidation("bad"), {"req-2"}, e);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.body,
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
            "</Type><Code>ValidationError</Code><Message>bad</Message></Error><RequestId>req-2"
            "</RequestId></ErrorResponse>");
}

TEST(CodecGolden, QueryDecodesNestedListsAndMaps) {
  const Service& sts = *CompiledService("sts");
  HttpRequest http;
  WireRequest w;
  w.http = &http;
  w.params = {{"Action", "AssumeRole"}, {"RoleArn", "arn:aws:iam::1:role/r"},
              {"RoleSessionName", "s"}, {"DurationSeconds", "900"},
              {"Tags.member.2.Key", "k2"}, {"Tags.member.2.Value", "v2"},
              {"Tags.member.1.Key", "k1"}, {"Tags.member.1.Value", "v1"},
              {"PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/P"}};
  auto v = DecodeRequest(Protocol::Query, sts, Op(sts, "AssumeRole"), w);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(json::serialize(*v),
            R"({"RoleArn":"arn:aws:iam::1:role/r","RoleSessionName":"s","PolicyArns":[{"arn":"arn:aws:iam::aws:policy/P"}],"DurationSeconds":900,"Tags":[{"Key":"k1","Value":"v1"},{"Key":"k2","Value":"v2"}]})");
  w.params = {{"DurationSeconds", "soon"}};
  auto bad = DecodeRequest(Protocol::Query, sts, Op(sts, "AssumeRole"), w);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().http_status, 400);
}

TEST(CodecGolden, JsonErrorsCarryTypeAndQueryCompatibleHeader) {
  const Service& ddb = *CompiledService("dynamodb");
  HttpResponse r;
  EncodeError(Protocol::Json, ddb, nullptr,
              AwsError::Make("ResourceNotFoundException", "Requested resource not found"), {"x"}, r);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(r.body,
            R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})");
  const Service& sqs = *CompiledService("sqs");
  HttpResponse q;
  // The JSON model no longer names the legacy query code; the service supplies it.
  AwsError missing = ModelErrorFor(sqs, "QueueDoesNotExist", "The specified queue does not exist.");
  missing.query_code = "AWS.SimpleQueueService.NonExistentQueue";
  EncodeError(Protocol::Json, sqs, nullptr, missing, {"x"}, q);
  EXPECT_EQ(q.status, 400);
  EXPECT_EQ(q.headers.Get("x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender");
  EXPECT_EQ(q.body, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})");
}

TEST(CodecGolden, JsonRejectsWrongTypes) {
  const Service& kms = *CompiledService("kms");
  HttpRequest http;
  http.body = R"({"KeyId":"k","Plaintext":12})";
  WireRequest w;
  w.http = &http;
  auto v = DecodeRequest(Protocol::Json, kms, Op(kms, "Encrypt"), w);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code, "SerializationException");
  http.body = "{not json";
  EXPECT_EQ(DecodeRequest(Protocol::Json, kms, Op(kms, "Encrypt"), w).error().code,
            "SerializationException");
}

TEST(CodecGolden, RestJsonBindsUriHeadersAndBody) {
  const Service& lambda = *CompiledService("lambda");
  const Operation& invoke = Op(lambda, "Invoke");
  HttpRequest http;
  http.method = "POST";
  http.target = "/2015-03-31/functions/my-fn/invocations?Qualifier=live";
  http.headers.Add("X-Amz-Invocation-Type", "Event");
  http.body = R"({"a":1})";
  WireRequest w;
  w.http = &http;
  w.labels = {{"FunctionName", "my-fn"}};
  auto v = DecodeRequest(Protocol::RestJson, lambda, invoke, w);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(json::serialize(*v),
            R"({"FunctionName":"my-fn","InvocationType":"Event","Qualifier":"live","Payload":"eyJhIjoxfQ=="})");
  HttpResponse r;
  EncodeResponse(Protocol::RestJson, lambda, invoke,
                 json::parse(R"({"StatusCode":202,"ExecutedVersion":"$LATEST"})"), {"x"}, r);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.headers.Get("X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(r.body, "");
}

TEST(CodecGolden, RestXmlErrorsInS3Form) {
  const Service& s3 = *CompiledService("s3");
  HttpResponse r;
  EncodeError(Protocol::RestXml, s3, nullptr, AwsError::Make("NoSuchBucket", "The specified bucket does not exist", 404), {"rid"}, r);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The "
            "specified bucket does not exist</Message><RequestId>rid</RequestId></Error>");
}

TEST(CodecGolden, CborEncodesMapsBytesAndTimestamps) {
  const Service& cw = *CompiledService("cloudwatch");
  const Operation& op = Op(cw, "DescribeAlarmHistory");
  HttpResponse r;
  EncodeResponse(Protocol::RpcV2Cbor, cw, op, json::parse(R"({"NextToken":"t"})"), {"x"}, r);
  EXPECT_EQ(r.headers.Get("smithy-protocol"), "rpc-v2-cbor");
  // {"NextToken": "t"}: a1 69 "NextToken" 61 "t"
  EXPECT_EQ(HexEncode(r.body), "a1694e657874546f6b656e6174");
  HttpRequest http;
  http.body = r.body;
  // Decode a request with a timestamp (tag 1) and nested structure.
  std::string body;
  body += "\xa2";                       // map(2)
  body += "\x69" "AlarmName";            // text(9)
  body += "\x61" "a";
  body += "\x69" "StartDate";
  body += "\xc1\xfb";                   // tag 1, float64
  body += std::string("\x41\xd6\x5a\x0b\xc0\x00\x00\x00", 8);  // 1.5e9
  http.body = body;
  WireRequest w;
  w.http = &http;
  auto v = DecodeRequest(Protocol::RpcV2Cbor, cw, op, w);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(json::serialize(*v), R"({"AlarmName":"a","StartDate":1.5E9})");
  http.body = "\xa1\x69";
  EXPECT_EQ(DecodeRequest(Protocol::RpcV2Cbor, cw, op, w).error().code, "SerializationException");
}

}  // namespace
}  // namespace stratus::aws
