#include <catch2/catch.hpp>

#include "workflows/tasks.h"
