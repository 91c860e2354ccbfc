#include "services/registry.h"

#include "services/dynamodb/dynamodb.h"
#include "services/kinesis/kinesis.h"
#include "services/kms/kms.h"
#include "services/secretsmanager/secretsmanager.h"
#include "services/sns/sns.h"
#include "services/sqs/sqs.h"
#include "services/ssm/ssm.h"
#include "services/sts/sts_service.h"

namespace stratus::services {

void RegisterAll(aws::ServiceRegistry& registry, const aws::CredentialResolver** credentials) {
  registry.Add(sts::MakeStsService(credentials));
  registry.Add(sqs::MakeSqsService());
  registry.Add(sns::MakeSnsService());
  registry.Add(kms::MakeKmsService());
  registry.Add(ssm::MakeSsmService());
  registry.Add(secretsmanager::MakeSecretsManagerService());
  registry.Add(kinesis::MakeKinesisService());
  auto [dynamodb, dynamodbstreams] = dynamodb::MakeDynamoDbServices();
  registry.Add(std::move(dynamodb));
  registry.Add(std::move(dynamodbstreams));
}

}  // namespace stratus::services
