#include <catch2/catch.hpp>

#include "workflows/registrations.h"
