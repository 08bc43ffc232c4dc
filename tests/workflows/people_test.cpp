#include <catch2/catch.hpp>

#include "workflows/people.h"
