// SSM Parameter Store: String, StringList and SecureString parameters (SecureString values
// sealed through KMS), versions, labels, hierarchies, tags, per account and region, persisted
// through the store.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/service.h"

namespace stratus::kms {
class KmsService;
}

namespace stratus::ssm {

// A parameter policy (PutParameter's Policies): Expiration, ExpirationNotification or
// NoChangeNotification, with its attributes read out.
struct Policy {
  std::string type;
  std::string text;     // PolicyText: the policy object as JSON
  int64_t at_ms = 0;    // Expiration: when the parameter is deleted
  int64_t span_ms = 0;  // ExpirationNotification: Before; NoChangeNotification: After
};

// One version of a parameter. SecureString values are kept as the base64 KMS ciphertext blob.
struct Version {
  int64_t number = 0;
  std::string type, value, key_id, description, allowed_pattern, user;
  std::string tier = "Standard";
  std::string data_type = "text";
  int64_t modified_ms = 0;
  std::vector<std::string> labels;
  std::vector<Policy> policies;
  // The Expiration policy's time, 0 for none.
  int64_t ExpiresMs() const {
    for (const auto& p : policies)
      if (p.type == "Expiration") return p.at_ms;
    return 0;
  }
};

struct Parameter {
  std::string name;
  std::vector<Version> versions;  // ascending; at most 100
  std::map<std::string, std::string> tags;

  const Version& Latest() const { return versions.back(); }
  Version* Find(int64_t number);
  Version* Labelled(std::string_view label);
};

// A filter of ParameterFilters after validation.
struct Filter {
  std::string key, option;
  std::vector<std::string> values;
};

class SsmService final : public aws::ServiceHandler {
 public:
  SsmService();
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;

 private:
  // A service setting changed from its default (UpdateServiceSetting).
  struct Setting {
    std::string value, user;
    int64_t modified_ms = 0;
  };
  struct Region {
    std::map<std::string, Parameter> params;  // by name
    std::map<std::string, Setting> settings;  // by setting id
  };

  // parameters.cc
  Out PutParameter(Ctx& c, const In& in);
  Out GetParameter(Ctx& c, const In& in);
  Out GetParameters(Ctx& c, const In& in);
  Out DeleteParameter(Ctx& c, const In& in);
  Out DeleteParameters(Ctx& c, const In& in);
  Out GetParameterHistory(Ctx& c, const In& in);
  Out LabelParameterVersion(Ctx& c, const In& in);
  Out UnlabelParameterVersion(Ctx& c, const In& in);
  // queries.cc
  Out GetParametersByPath(Ctx& c, const In& in);
  Out DescribeParameters(Ctx& c, const In& in);
  // ssm_service.cc
  Out AddTagsToResource(Ctx& c, const In& in);
  Out ListTagsForResource(Ctx& c, const In& in);
  Out RemoveTagsFromResource(Ctx& c, const In& in);
  // settings.cc
  Out GetServiceSetting(Ctx& c, const In& in);
  Out UpdateServiceSetting(Ctx& c, const In& in);
  Out ResetServiceSetting(Ctx& c, const In& in);

 public:
  // Shared by the operation files; mu_ held.
  static AwsError Error(std::string_view shape, std::string message);
  Region& RegionOf(const Ctx& c) { return regions_[{c.account, c.region}]; }
  // By name or parameter ARN; nullptr when absent.
  Parameter* Find(const Ctx& c, Region& r, std::string_view ref);
  Result<Parameter*> TaggedParameter(Ctx& c, const In& in);
  static std::string Arn(const Ctx& c, std::string_view name);
  // The value as returned: SecureString decrypted through KMS when `decrypt`.
  Result<std::string> ValueOf(Ctx& c, const Parameter& p, const Version& v, bool decrypt);
  // The Parameter shape of GetParameter(s) and GetParametersByPath.
  Result<json::object> Render(Ctx& c, const Parameter& p, const Version& v, bool decrypt,
                              std::string_view selector);
  Result<std::string> Seal(Ctx& c, std::string_view name, std::string_view key_ref,
                           std::string_view plaintext);
  // The value of a service setting in the caller's region (its default unless updated).
  std::string SettingValue(const Ctx& c, std::string_view id);
  void LoadSetting(const std::string& account, const std::string& region, std::string_view id,
                   std::string_view record);
  void Persist(Ctx& c, const Parameter& p);
  void Unpersist(Ctx& c, const std::string& name);
  // policies.cc: deletes the parameter when its latest version's Expiration falls due,
  // through the service's scheduler.
  void ScheduleExpiry(const std::string& account, const std::string& region, const std::string& name,
                      int64_t at_ms);

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Region> regions_;
  aws::ServiceEnv* env_ = nullptr;
  kms::KmsService* kms_ = nullptr;
};

std::unique_ptr<aws::ServiceHandler> MakeSsmService();

// Pagination for every listing: an opaque NextToken that encodes the offset of the next item.
// InvalidNextToken for a token Stratus did not hand out.
Result<size_t> PageStart(const json::object& in);
std::string NextToken(size_t offset);

// policies.cc. Parses PutParameter's Policies (a JSON array of policy objects) as Parameter
// Store does: known types, Version "1.0", their attributes; an Expiration in the future.
Result<std::vector<Policy>> ParsePolicies(std::string_view text, int64_t now_ms);
// The Policies member of DescribeParameters and GetParameterHistory: PolicyText, PolicyType
// and PolicyStatus (Pending until a notification's time has come, then Finished).
json::array PoliciesJson(const Version& v, int64_t now_ms);

// ParameterFilters checked as AWS checks them: GetParametersByPath (by_path) takes Type,
// KeyId and Label; DescribeParameters every key but Label.
Result<std::vector<Filter>> ParseFilters(const json::array* filters, bool by_path);
// Whether a filter (other than Label for GetParametersByPath) matches the parameter.
bool Matches(const Filter& f, const Parameter& p, const Version& v);

}  // namespace stratus::ssm
