// STS: caller identity and temporary credentials. Issued credentials are kept (and persisted)
// so the authenticator can resolve them: requests signed with them act as the assumed role.
#pragma once

#include <memory>

#include "aws/service.h"

namespace stratus::sts {

// The STS service, which also resolves the credentials it issued.
class StsService;
std::unique_ptr<aws::ServiceHandler> MakeStsService(const aws::CredentialResolver** resolver);

}  // namespace stratus::sts
