// The explicit list of services linked into the binary.
#pragma once

#include "aws/service.h"

namespace stratus::services {

// Adds every implemented service; sets *credentials to the resolver of STS-issued keys.
void RegisterAll(aws::ServiceRegistry& registry, const aws::CredentialResolver** credentials);

}  // namespace stratus::services
