// The one Catch2 main, compiled once and linked into every property test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
