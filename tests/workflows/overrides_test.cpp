#include <catch2/catch.hpp>

#include "workflows/overrides.h"
