#include "workflows/registrations.h"
