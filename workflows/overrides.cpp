#include "workflows/overrides.h"
