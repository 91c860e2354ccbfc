#include "aws/route.h"

#include "core/encoding.h"
#include "models.h"  // generated

namespace stratus::aws {
namespace {

bool Lists(std::string_view csv, std::string_view item) {
  while (!csv.empty()) {
    size_t c = csv.find(',');
    if (csv.substr(0, c) == item) return true;
    if (c == std::string_view::npos) break;
    csv.remove_prefix(c + 1);
  }
  return false;
}

bool HasOperation(const gen::ModelSource& m, std::string_view op) {
  for (auto o : m.operations)
    if (o == op) return true;
  return false;
}

const gen::ModelSource* ByTargetPrefix(std::string_view prefix) {
  for (const auto* m : gen::AllModels())
    if (!m->target_prefix.empty() && m->target_prefix == prefix) return m;
  return nullptr;
}

const gen::ModelSource* ById(std::string_view id) {
  for (const auto* m : gen::AllModels())
    if (m->id == id) return m;
  return nullptr;
}

// A model of an older protocol generation that serves `id`'s handlers in `protocol`.
const gen::ModelSource* Variant(std::string_view id, std::string_view protocol) {
  for (const auto* m : gen::AllModels())
    if (m->variant_of == id && Lists(m->protocols, protocol)) return m;
  return nullptr;
}

bool SpeaksQuery(const gen::ModelSource& m) {
  // awsQueryCompatible services (SQS, CloudWatch) still accept the query protocol that
  // older SDKs send.
  return Lists(m.protocols, "query") || m.id == "sqs" || m.id == "cloudwatch";
}

bool IsRest(const gen::ModelSource& m) {
  return Lists(m.protocols, "rest-json") || Lists(m.protocols, "rest-xml");
}

AwsError UnknownService() {
  return AwsError::Make("UnrecognizedServiceException",
                        "Stratus could not tell which AWS service this request is for", 400);
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    out.push_back(std::string(path.substr(pos, next - pos)));
    pos = next + 1;
  }
  return out;
}

// More literal segments and more required query keys win.
const Operation* MatchRest(const Service& svc, const HttpRequest& req,
                           std::vector<std::pair<std::string, std::string>>& labels) {
  const Operation* best = nullptr;
  int best_score = -1;
  for (const auto& [name, op] : svc.operations) {
    std::vector<std::pair<std::string, std::string>> got;
    int score = MatchRestOperation(op, req, got);
    if (score > best_score) {
      best = &op;
      best_score = score;
      labels = std::move(got);
    }
  }
  return best;
}

}  // namespace

int MatchRestOperation(const Operation& op, const HttpRequest& req,
                       std::vector<std::pair<std::string, std::string>>& got) {
  if (op.method != req.method) return -1;
  std::vector<std::string> segs = SplitPath(req.Path());
  int score = 0;
  size_t i = 0;
  for (size_t t = 0; t < op.path_segments.size(); ++t) {
    const std::string& tmpl = op.path_segments[t];
    if (tmpl.size() > 2 && tmpl.front() == '{' && tmpl.back() == '}') {
      std::string label = tmpl.substr(1, tmpl.size() - 2);
      if (label.back() == '+') {
        label.pop_back();
        std::string rest;
        for (size_t k = i; k < segs.size(); ++k) {
          if (k > i) rest += '/';
          rest += segs[k];
        }
        i = segs.size();
        got.emplace_back(label, UriDecode(rest));
        break;
      }
      if (i >= segs.size() || segs[i].empty()) return -1;
      got.emplace_back(label, UriDecode(segs[i]));
      ++i;
    } else {
      if (i >= segs.size() || UriDecode(segs[i]) != tmpl) return -1;
      if (!tmpl.empty()) score += 10;
      ++i;
    }
  }
  // Trailing request segments are allowed only as one empty segment ("/a/" against "/a").
  if (i < segs.size() && !(i + 1 == segs.size() && segs[i].empty())) return -1;
  if (!op.uri_query.empty()) {
    auto params = req.QueryParams();
    for (const auto& [k, v] : op.uri_query) {
      bool found = false;
      for (const auto& [pk, pv] : params)
        if (pk == k && (v.empty() || pv == v)) found = true;
      if (!found) return -1;
      score += 5;
    }
  }
  return score;
}

std::vector<std::string_view> ServicesForSigningName(std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto* m : gen::AllModels())
    if (m->variant_of.empty() && (m->signing_name == name || m->endpoint_prefix == name))
      out.push_back(m->id);
  return out;
}

Result<Route> RouteRequest(const HttpRequest& req, const SigV4* sig) {
  Route r;
  r.wire.http = &req;
  std::string_view target = req.headers.Get("X-Amz-Target");
  std::string_view content_type = req.headers.Get("Content-Type");

  // JSON protocols: X-Amz-Target "<prefix>.<Operation>".
  if (!target.empty()) {
    size_t dot = target.rfind('.');
    std::string_view prefix = dot == std::string_view::npos ? target : target.substr(0, dot);
    std::string_view op = dot == std::string_view::npos ? "" : target.substr(dot + 1);
    const gen::ModelSource* m = ByTargetPrefix(prefix);
    if (!m) return Fail(AwsError::Make("UnknownOperationException", "", 400));
    r.service_id = m->id;
    r.service = CompiledService(m->id);
    r.protocol = content_type.starts_with("application/x-amz-cbor-1.1") ? Protocol::JsonCbor : Protocol::Json;
    r.op = r.service->FindOperation(op);
    if (!r.op) r.error = AwsError::Make("UnknownOperationException", "", 400);
    return r;
  }

  // Smithy RPC v2 CBOR: /service/<name>/operation/<op>.
  if (IEquals(req.headers.Get("smithy-protocol"), "rpc-v2-cbor")) {
    std::vector<std::string> segs = SplitPath(req.Path());
    // The path may carry a prefix; take the last four segments.
    if (segs.size() >= 4 && segs[segs.size() - 4] == "service" && segs[segs.size() - 2] == "operation") {
      std::string_view svc_name = segs[segs.size() - 3];
      const gen::ModelSource* m = ByTargetPrefix(svc_name);
      if (!m) {
        for (const auto* cand : gen::AllModels())
          if (Lists(cand->protocols, "smithy-rpc-v2-cbor") && HasOperation(*cand, segs.back())) m = cand;
      }
      if (!m) return Fail(UnknownService());
      r.service_id = m->id;
      r.service = CompiledService(m->id);
      r.protocol = Protocol::RpcV2Cbor;
      r.op = r.service->FindOperation(segs.back());
      if (!r.op) r.error = AwsError::Make("UnknownOperationException", "", 404);
      return r;
    }
  }

  // Query protocol: form body or URL parameters with Action=.
  bool form = content_type.find("x-www-form-urlencoded") != std::string_view::npos;
  bool query_action = req.Query().find("Action=") != std::string_view::npos;
  if (form || query_action) {
    r.wire.params = req.QueryParams();
    if (form) ParseForm(req.body, r.wire.params);
    std::string action;
    for (const auto& [k, v] : r.wire.params)
      if (k == "Action") action = v;
    if (!action.empty() || form) {
      const gen::ModelSource* m = nullptr;
      if (sig) {
        for (auto id : ServicesForSigningName(sig->service)) {
          const auto* cand = ById(id);
          if (cand && SpeaksQuery(*cand)) {
            if (!m || HasOperation(*cand, action)) m = cand;
          }
        }
      }
      if (!m) {
        // Unsigned: an SQS queue URL path, or the one query service that has this action.
        auto segs = SplitPath(req.Path());
        if (segs.size() == 2 && segs[0].size() == 12 && !segs[1].empty()) m = ById("sqs");
      }
      if (!m) {
        for (const auto* cand : gen::AllModels())
          if (cand->variant_of.empty() && SpeaksQuery(*cand) && HasOperation(*cand, action)) {
            m = cand;
            break;
          }
      }
      if (m) {
        r.service_id = m->id;
        r.service = CompiledService(m->id);
        r.protocol = Protocol::Query;
        // Older SQS clients post to the queue URL itself instead of passing QueueUrl.
        if (r.service_id == "sqs") {
          auto segs = SplitPath(req.Path());
          bool has_url = false;
          for (const auto& [k, v] : r.wire.params) has_url |= k == "QueueUrl";
          if (!has_url && segs.size() == 2 && !segs[0].empty() && !segs[1].empty())
            r.wire.params.emplace_back("QueueUrl", "http://" + std::string(req.headers.Get("Host")) +
                                                       std::string(req.Path()));
        }
        // Services that left the query protocol are answered with their last query model.
        if (const auto* legacy = Variant(m->id, "query"); legacy && HasOperation(*legacy, action))
          r.service = CompiledService(legacy->id);
        if (action.empty()) {
          r.error = AwsError::Make("MissingAction", "Missing Action", 400);
        } else {
          r.op = r.service->FindOperation(action);
          if (!r.op)
            r.error = AwsError::Make("InvalidAction",
                                     "The action " + action + " is not valid for this web service.", 400);
        }
        return r;
      }
      if (form && !action.empty())
        return Fail(AwsError::Make("InvalidAction",
                                   "The action " + action + " is not valid for this web service.", 400));
    }
  }

  // REST protocols: the signing name, else the Host header's first label.
  const gen::ModelSource* m = nullptr;
  if (sig) {
    for (auto id : ServicesForSigningName(sig->service)) {
      const auto* cand = ById(id);
      if (cand && IsRest(*cand)) {
        m = cand;
        break;
      }
    }
  }
  if (!m) {
    std::string_view host = req.headers.Get("Host");
    std::string_view first = host.substr(0, host.find('.'));
    for (auto id : ServicesForSigningName(first)) {
      const auto* cand = ById(id);
      if (cand && IsRest(*cand)) m = cand;
    }
  }
  if (!m) return Fail(UnknownService());
  r.service_id = m->id;
  r.service = CompiledService(m->id);
  r.protocol = r.service->protocol();
  r.op = MatchRest(*r.service, req, r.wire.labels);
  if (!r.op)
    r.error = AwsError::Make("UnknownOperationException",
                             "No operation of " + r.service->service_id + " matches " + req.method +
                                 " " + std::string(req.Path()),
                             404);
  return r;
}

}  // namespace stratus::aws
