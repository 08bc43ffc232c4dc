#include "workflows/people.h"
