// The one Catch2 main (Catch2 2.x: the whole test runner is compiled here), built once and linked
// into every Catch2 test executable: properties/, kernels/tests/ and infer/tests/.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
