#include "aws/gateway.h"

#include <chrono>
#include <cstdlib>

#include "aws/protocol/codec.h"
#include "aws/protocol/eventstream.h"
#include "aws/route.h"
#include "aws/sigv4.h"
#include "aws/validate.h"
#include "core/encoding.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "store/store.h"

namespace stratus::aws {

AwsError ModelErrorFor(const Service& svc, std::string_view shape, std::string message) {
  AwsError e = AwsError::Make(std::string(shape), std::move(message));
  if (const Shape* s = svc.FindShape(shape); s && s->has_error) {
    e.http_status = s->error_status;
    e.sender_fault = s->sender_fault;
    e.query_code = s->error_code;
  }
  return e;
}

AwsError Context::ModelError(std::string_view shape, std::string message) const {
  return ModelErrorFor(model, shape, std::move(message));
}

struct Gateway::Exchange {
  HttpRequest req;
  Responder respond;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string request_id;
  std::string account;
  std::string region;
  Principal principal;
  Route route;
  json::value input;
  std::unique_ptr<Context> ctx;
};

namespace {

bool IsDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

// A protocol to answer in when routing failed: what the request looks like.
Protocol GuessProtocol(const HttpRequest& req) {
  std::string_view ct = req.headers.Get("Content-Type");
  if (ct.find("x-www-form-urlencoded") != std::string_view::npos ||
      req.Query().find("Action=") != std::string_view::npos)
    return Protocol::Query;
  if (ct.starts_with("application/x-amz-cbor-1.1")) return Protocol::JsonCbor;
  if (ct.find("cbor") != std::string_view::npos) return Protocol::RpcV2Cbor;
  if (ct.find("xml") != std::string_view::npos) return Protocol::RestXml;
  return Protocol::Json;
}

const Service& FallbackService(Protocol p) {
  // Errors before routing are rendered with a neutral service of the same protocol.
  static const char* ids[] = {"sts", "sts", "kms", "lambda", "cloudfront", "cloudwatch", "kinesis"};
  const Service* s = CompiledService(ids[static_cast<int>(p)]);
  return *s;
}

bool Uses(const Protocol p, std::initializer_list<Protocol> ps) {
  for (auto q : ps)
    if (p == q) return true;
  return false;
}

}  // namespace

Gateway::Gateway(GatewayOptions options, const Clock& clock, Scheduler& scheduler,
                 store::Store& store, ServiceRegistry& registry,
                 const CredentialResolver* credentials, Builtin builtin)
    : options_(std::move(options)),
      clock_(clock),
      scheduler_(scheduler),
      store_(store),
      registry_(registry),
      credentials_(credentials),
      builtin_(std::move(builtin)) {}

bool Gateway::Enabled(std::string_view id) const {
  return options_.enabled.empty() || options_.enabled.contains(std::string(id));
}

void Gateway::Handle(HttpRequest&& req, Responder respond) {
  if (builtin_) {
    std::string_view path = req.Path();
    if (path.starts_with("/_stratus/") || path.starts_with("/_localstack/") ||
        path.starts_with("/moto-api/")) {
      HttpResponse resp;
      if (builtin_(req, resp)) {
        resp.headers.Set("x-amzn-RequestId", NewRequestId());
        resp.headers.Set("Date", HttpDateNow(clock_.NowMillis()));
        if (log::Enabled(log::Level::Info))
          log::Info(std::string(resp.headers.Get("x-amzn-RequestId")) + " " + req.method + " " +
                    std::string(path) + " status=" + std::to_string(resp.status));
        respond(std::move(resp));
        return;
      }
    }
  }
  auto ex = std::make_shared<Exchange>();
  ex->req = std::move(req);
  ex->respond = std::move(respond);
  ex->request_id = NewRequestId();
  const HttpRequest& r = ex->req;

  auto fail_early = [&](Protocol p, const AwsError& e) {
    HttpResponse resp;
    EncodeOptions opts{ex->request_id};
    EncodeError(p, FallbackService(p), nullptr, e, opts, resp);
    Send(ex, std::move(resp));
  };

  // Authentication: who is calling, in which account and region.
  std::string auth_error;
  std::optional<SigV4> sig = ParseSigV4(r, &auth_error);
  if (!sig && !auth_error.empty()) {
    fail_early(GuessProtocol(r), AwsError::Make("IncompleteSignature", auth_error, 400));
    return;
  }
  ex->region = sig && !sig->region.empty() ? sig->region : options_.default_region;
  std::optional<IssuedCredential> issued;
  if (sig) {
    if (credentials_ && (sig->access_key.starts_with("ASIA") || !sig->security_token.empty()))
      issued = credentials_->Lookup(sig->access_key);
    if (issued) {
      ex->principal = issued->principal;
    } else {
      ex->principal.account = IsDigits(sig->access_key) && sig->access_key.size() == 12
                                  ? sig->access_key : options_.default_account;
      ex->principal.arn = "arn:aws:iam::" + ex->principal.account + ":root";
      ex->principal.user_id = ex->principal.account;
    }
    ex->principal.access_key = sig->access_key;
  } else {
    ex->principal.account = options_.default_account;
    ex->principal.arn = "arn:aws:iam::" + options_.default_account + ":root";
    ex->principal.user_id = options_.default_account;
  }
  ex->account = ex->principal.account;

  // Routing.
  auto routed = RouteRequest(r, sig ? &*sig : nullptr);
  if (!routed) {
    fail_early(GuessProtocol(r), routed.error());
    return;
  }
  ex->route = std::move(*routed);
  Route& route = ex->route;
  const Service& svc = *route.service;
  bool json_family =
      Uses(route.protocol, {Protocol::Json, Protocol::RestJson, Protocol::RpcV2Cbor, Protocol::JsonCbor});

  auto fail = [&](const AwsError& e) { Finish(ex, Fail(e)); };

  bool unsigned_allowed = !sig && route.op && route.op->no_auth;
  if (options_.verify_signatures && !unsigned_allowed) {
    int64_t now = clock_.NowMillis();
    if (!sig) {
      fail(AwsError::Make("MissingAuthenticationToken", "Request is missing Authentication Token", 403));
      return;
    }
    if (!issued && sig->access_key.starts_with("ASIA")) {
      fail(AwsError::Make(json_family ? "UnrecognizedClientException" : "InvalidClientTokenId",
                          "The security token included in the request is invalid.", 403));
      return;
    }
    if (issued && issued->session_token != sig->security_token) {
      fail(AwsError::Make(json_family ? "UnrecognizedClientException" : "InvalidClientTokenId",
                          "The security token included in the request is invalid.", 403));
      return;
    }
    if (issued && issued->expires_ms <= now) {
      fail(AwsError::Make(json_family ? "ExpiredTokenException" : "ExpiredToken",
                          "The security token included in the request is expired", 403));
      return;
    }
    auto signed_at = ParseTimestamp(sig->amz_date);
    if (!signed_at) {
      fail(AwsError::Make("IncompleteSignature",
                          "Authorization header requires existence of either a 'X-Amz-Date' or a "
                          "'Date' header.",
                          400));
      return;
    }
    constexpr int64_t kSkew = 15 * 60 * 1000;
    if (sig->presigned) {
      if (now > *signed_at + sig->expires * 1000) {
        fail(AwsError::Make("AccessDenied", "Request has expired", 403));
        return;
      }
    } else if (*signed_at < now - kSkew) {
      fail(AwsError::Make("RequestTimeTooSkewed",
                          "Signature expired: " + sig->amz_date + " is now earlier than " +
                              FormatAmzDate(now - kSkew) + " (" + FormatAmzDate(now) + " - 15 min.)",
                          403));
      return;
    } else if (*signed_at > now + kSkew) {
      fail(AwsError::Make("RequestTimeTooSkewed",
                          "Signature not yet current: " + sig->amz_date + " is still later than " +
                              FormatAmzDate(now + kSkew) + " (" + FormatAmzDate(now) + " + 15 min.)",
                          403));
      return;
    }
    std::string secret = issued ? issued->secret : options_.secret_key;
    std::string expected = ComputeSignature(r, *sig, secret, sig->service == "s3");
    if (expected != sig->signature) {
      fail(AwsError::Make(json_family ? "InvalidSignatureException" : "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you "
                          "provided. Check your AWS Secret Access Key and signing method. Consult "
                          "the service documentation for details.",
                          403));
      return;
    }
  }

  if (route.error) {
    fail(*route.error);
    return;
  }
  const Operation& op = *route.op;
  if (!Enabled(route.service_id)) {
    fail(AwsError::Make("NotImplemented",
                        "Service " + route.service_id + " is not enabled in this Stratus (see --services)",
                        501));
    return;
  }
  ServiceHandler* handler = registry_.Find(route.service_id);
  const ServiceHandler::Entry* entry = handler ? handler->FindHandler(op.name) : nullptr;

  auto decoded = DecodeRequest(route.protocol, svc, op, route.wire);
  if (!decoded) {
    fail(decoded.error());
    return;
  }
  ex->input = std::move(*decoded);
  if (handler && ex->input.is_object()) {
    if (auto err = handler->PreValidate(op, ex->input.get_object())) {
      fail(*err);
      return;
    }
  }
  if (op.input) {
    if (auto msg = ValidateInput(*op.input, ex->input, !handler || handler->ValidatesEnums())) {
      fail(AwsError::Make(route.protocol == Protocol::Query ? "ValidationError" : "ValidationException",
                          std::move(*msg)));
      return;
    }
  }
  if (!entry) {
    fail(AwsError::NotImplemented(svc.service_id.empty() ? route.service_id : svc.service_id, op.name));
    return;
  }

  ex->ctx = std::unique_ptr<Context>(new Context{ex->request_id, ex->account, ex->region,
                                                 ex->principal, clock_, scheduler_, store_, ex->req,
                                                 svc, op, route.protocol});
  const json::object& input = ex->input.get_object();
  try {
    if (entry->async) {
      entry->async(*ex->ctx, input, [this, ex](Result<json::value> res) { Finish(ex, std::move(res)); });
    } else {
      Finish(ex, entry->sync(*ex->ctx, input));
    }
  } catch (const std::exception& e) {
    log::Error("request " + ex->request_id + " " + route.service_id + "." + op.name +
               " threw: " + e.what());
    Finish(ex, Fail(AwsError::Internal("An internal error occurred")));
  }
}

void Gateway::Finish(const std::shared_ptr<Exchange>& ex, Result<json::value> result) {
  HttpResponse resp;
  EncodeOptions opts{ex->request_id};
  const Route& route = ex->route;
  if (result && ex->ctx && ex->ctx->event_stream) {
    // An event-stream output: the other members as the initial-response event, then the events.
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/vnd.amazon.eventstream");
    json::value rest = json::object();
    if (route.op->output && result->is_object()) {
      for (const auto& m : route.op->output->members)
        if (!m.shape->event_stream)
          if (auto* v = Find(result->get_object(), m.name)) rest.get_object()[m.name] = *v;
    }
    if (route.op->output)
      resp.body = EncodeEvent(route.protocol, *route.service, *route.op->output, "initial-response", rest);
    resp.stream = std::move(ex->ctx->event_stream);
  } else if (result && ex->ctx && !ex->ctx->json_output.empty() && route.protocol == Protocol::Json) {
    EncodeJsonBody(*route.service, std::move(ex->ctx->json_output), resp);
  } else if (result) {
    EncodeResponse(route.protocol, *route.service, *route.op, *result, opts, resp);
  } else {
    EncodeError(route.protocol, *route.service, route.op, result.error(), opts, resp);
  }
  uint64_t seq = ex->ctx ? ex->ctx->durable_seq : 0;
  if (seq > 0) {
    auto shared = std::make_shared<HttpResponse>(std::move(resp));
    store_.WhenDurable(seq, [this, ex, shared] { Send(ex, std::move(*shared)); });
  } else {
    Send(ex, std::move(resp));
  }
}

void Gateway::Send(const std::shared_ptr<Exchange>& ex, HttpResponse response) {
  response.headers.Reserve(6);
  response.headers.Set("x-amzn-RequestId", ex->request_id);
  if (ex->route.protocol == Protocol::RestXml && ex->route.service) {
    response.headers.Set("x-amz-request-id", ex->request_id);
    response.headers.Set("x-amz-id-2", Base64Encode(Sha256(ex->request_id)));
  }
  response.headers.Set("Date", HttpDateNow(clock_.NowMillis()));
  if (log::Enabled(log::Level::Info)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - ex->start).count();
    std::string line = ex->request_id + " account=" + (ex->account.empty() ? "-" : ex->account) +
                       " region=" + (ex->region.empty() ? "-" : ex->region) + " service=" +
                       (ex->route.service_id.empty() ? "-" : ex->route.service_id) +
                       " op=" + (ex->route.op ? ex->route.op->name : std::string("-")) +
                       " status=" + std::to_string(response.status) +
                       " latency_us=" + std::to_string(us);
    if (ex->route.service_id.empty()) line += " " + ex->req.method + " " + std::string(ex->req.Path());
    log::Info(line);
  }
  ex->respond(std::move(response));
}

}  // namespace stratus::aws
