// Stratus's own endpoints: /_stratus/health, /_stratus/reset, /_stratus/info, and the aliases
// existing tooling calls (/_localstack/health, /moto-api/reset).
#pragma once

#include <string>

#include "aws/gateway.h"
#include "core/http.h"

namespace stratus::builtin {

struct Info {
  std::string version;
  std::string botocore_version;
  std::string data_dir;  // empty: in memory
  int64_t started_ms = 0;
};

// Returns false for paths it does not serve.
bool Handle(const HttpRequest& req, HttpResponse& resp, const Info& info, const Clock& clock,
            const aws::Gateway& gateway, aws::ServiceRegistry& registry);

// docs/coverage.md: implemented / total operations per service, from the models and the
// handler tables.
std::string CoverageMarkdown(const aws::ServiceRegistry& registry);

}  // namespace stratus::builtin
