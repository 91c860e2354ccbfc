#include "services/dynamodb/number.h"
