#include "services/dynamodb/expression.h"
