#include "services/dynamodb/partiql.h"
