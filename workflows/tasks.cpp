#include "workflows/tasks.h"
