#include "services/dynamodb/partiql.h"

namespace stratus::dynamodb {

Result<Statement> Statement::Parse(std::string_view, const json::array*) {
  return Fail(AwsError::Validation("PartiQL is not implemented yet"));
}

}  // namespace stratus::dynamodb
