// PartiQL for DynamoDB (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction):
// SELECT, INSERT, UPDATE and DELETE with ? parameters, parsed into the same evaluators the
// expression language uses. Errors are AWS's ValidationException messages ("Statement wasn't
// well formed, can't be processed: ...", "Number of parameters in request and statement
// don't match.", ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/dynamodb/expression.h"

namespace stratus::dynamodb {

struct Statement {
  enum class Kind { kSelect, kInsert, kUpdate, kDelete };
  Kind kind = Kind::kSelect;
  std::string table;
  std::string index;  // SELECT ... FROM "table"."index"; empty otherwise

  // SELECT: the projected paths (empty projection = *). UPDATE/DELETE/SELECT: the WHERE
  // clause, and the top-level `attr = value` terms AND-ed into it, from which the service
  // takes the key (UPDATE/DELETE need the full primary key; SELECT uses them to choose
  // GetItem/Query over Scan).
  std::optional<Projection> projection;
  std::optional<Condition> where;
  std::vector<std::pair<std::string, json::value>> key_equalities;

  Item item;                     // INSERT ... VALUE {...}
  std::optional<Update> update;  // UPDATE ... SET ... REMOVE ...
  std::optional<Condition> returning_guard;  // none today; reserved for RETURNING/conditions
  // SELECT ... ORDER BY <attribute> [ASC|DESC]; empty when absent.
  std::string order_by;
  bool descending = false;
  // UPDATE/DELETE ... RETURNING ALL OLD * / ALL NEW * / MODIFIED OLD * / MODIFIED NEW *, as
  // ReturnValues names ("ALL_OLD", ...); empty when absent.
  std::string returning;

  // `parameters` are the request's Parameters (AttributeValues), substituted for ? in order.
  static Result<Statement> Parse(std::string_view text, const json::array* parameters);
};

}  // namespace stratus::dynamodb
