// The table-level features Stratus keeps as settings only: Contributor Insights status,
// resource-based policies, and the empty lists of global tables, Kinesis destinations,
// exports and imports (Stratus creates none of them).
#include "core/encoding.h"
#include "services/dynamodb/dynamodb.h"

namespace stratus::dynamodb {

namespace {

AwsError TableNotFound(std::string_view name) {
  return DynamoDbService::Error(
      "ResourceNotFoundException",
      "Requested resource not found: Table: " + std::string(name) + " not found");
}

}  // namespace

Result<json::value> DynamoDbService::DescribeContributorInsights(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(TableNotFound(name));
  std::string index(GetString(in, "IndexName").value_or(""));
  if (!index.empty() && !t->FindIndex(index))
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Index: " + index + " not found"));
  json::object out{{"TableName", t->name}};
  if (!index.empty()) out["IndexName"] = index;
  auto it = t->insights.find(index);
  std::string status = it == t->insights.end() ? "DISABLED" : it->second;
  out["ContributorInsightsStatus"] = status;
  if (status == "ENABLED") {
    std::string base = "DynamoDBContributorInsights-";
    json::array rules;
    for (const char* kind : {"PKC-", "PKT-", "SKC-", "SKT-"})
      rules.emplace_back(json::string(base + kind + t->name + (index.empty() ? "" : "-" + index) +
                                      "-" + std::to_string(t->created_ms)));
    out["ContributorInsightsRuleList"] = std::move(rules);
  }
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::UpdateContributorInsights(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(TableNotFound(name));
  std::string index(GetString(in, "IndexName").value_or(""));
  if (!index.empty() && !t->FindIndex(index))
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Index: " + index + " not found"));
  bool enable = GetString(in, "ContributorInsightsAction").value_or("") == "ENABLE";
  t->insights[index] = enable ? "ENABLED" : "DISABLED";
  PersistTable(&c, *t);
  json::object out{{"TableName", t->name}};
  if (!index.empty()) out["IndexName"] = index;
  // The change takes effect at once; the answer shows it in progress, as AWS's does.
  out["ContributorInsightsStatus"] = enable ? "ENABLING" : "DISABLING";
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::ListContributorInsights(Ctx& c, const In& in) {
  auto table = GetString(in, "TableName");
  json::array list;
  for (const auto& [name, t] : RegionOf(c.account, c.region).tables) {
    if (table && name != *table) continue;
    for (const auto& [index, status] : t->insights) {
      json::object s{{"TableName", name}};
      if (!index.empty()) s["IndexName"] = index;
      s["ContributorInsightsStatus"] = status;
      list.emplace_back(std::move(s));
    }
  }
  return json::value(json::object{{"ContributorInsightsSummaries", std::move(list)}});
}

namespace {
// The table of a resource ARN (table or index/stream ARNs name their table).
std::string TableNameOfArn(std::string_view arn) {
  auto pos = arn.find(":table/");
  if (pos == std::string_view::npos) return "";
  std::string_view rest = arn.substr(pos + 7);
  return std::string(rest.substr(0, rest.find('/')));
}
}  // namespace

Result<json::value> DynamoDbService::PutResourcePolicy(Ctx& c, const In& in) {
  std::string arn(GetString(in, "ResourceArn").value_or(""));
  Table* t = FindTable(c.account, c.region, TableNameOfArn(arn));
  if (!t || arn.rfind("arn:aws:dynamodb:" + c.region + ":" + c.account + ":", 0) != 0)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: ResourceArn: " + arn + " not found"));
  if (auto expected = GetString(in, "ExpectedRevisionId");
      expected && *expected != t->policy_revision)
    return Fail(Error("PolicyNotFoundException",
                      "A policy with the revision ID provided in the request for the resource " +
                          arn + " doesn't exist."));
  t->policy = std::string(GetString(in, "Policy").value_or(""));
  t->policy_revision = std::to_string(Now() * 1000 + 1);
  PersistTable(&c, *t);
  return json::value(json::object{{"RevisionId", t->policy_revision}});
}

Result<json::value> DynamoDbService::GetResourcePolicy(Ctx& c, const In& in) {
  std::string arn(GetString(in, "ResourceArn").value_or(""));
  Table* t = FindTable(c.account, c.region, TableNameOfArn(arn));
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: ResourceArn: " + arn + " not found"));
  if (t->policy.empty())
    return Fail(Error("PolicyNotFoundException",
                      "Resource-based policy not found for the provided ResourceArn: " + arn));
  return json::value(json::object{{"Policy", t->policy}, {"RevisionId", t->policy_revision}});
}

Result<json::value> DynamoDbService::DeleteResourcePolicy(Ctx& c, const In& in) {
  std::string arn(GetString(in, "ResourceArn").value_or(""));
  Table* t = FindTable(c.account, c.region, TableNameOfArn(arn));
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: ResourceArn: " + arn + " not found"));
  if (t->policy.empty())
    return Fail(Error("PolicyNotFoundException",
                      "Resource-based policy not found for the provided ResourceArn: " + arn));
  if (auto expected = GetString(in, "ExpectedRevisionId");
      expected && *expected != t->policy_revision)
    return Fail(Error("PolicyNotFoundException",
                      "A policy with the revision ID provided in the request for the resource " +
                          arn + " doesn't exist."));
  std::string revision = t->policy_revision;
  t->policy.clear();
  t->policy_revision.clear();
  PersistTable(&c, *t);
  return json::value(json::object{{"RevisionId", revision}});
}

Result<json::value> DynamoDbService::DescribeKinesisStreamingDestination(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(TableNotFound(name));
  return json::value(
      json::object{{"TableName", t->name}, {"KinesisDataStreamDestinations", json::array()}});
}

Result<json::value> DynamoDbService::ListGlobalTables(Ctx& c, const In& in) {
  return json::value(json::object{{"GlobalTables", json::array()}});
}

Result<json::value> DynamoDbService::ListExports(Ctx& c, const In& in) {
  return json::value(json::object{{"ExportSummaries", json::array()}});
}

Result<json::value> DynamoDbService::ListImports(Ctx& c, const In& in) {
  return json::value(json::object{{"ImportSummaryList", json::array()}});
}

}  // namespace stratus::dynamodb
