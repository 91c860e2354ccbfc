#include "services/dynamodb/value.h"
