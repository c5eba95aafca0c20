# Compile one snippet (cmake -P): -DCXX=compiler -DINCLUDE=core include dir -DSOURCE=snippet.
# The snippet's `// expect: TEXT` line says what must happen: `compiles`, or the compile must
# fail with TEXT in its diagnostics (so a failure for another reason does not count).
foreach(var CXX INCLUDE SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${SOURCE}" text) # not file(STRINGS): it would split the text at ';'
if(NOT text MATCHES "// expect: ([^\n]*)")
  message(FATAL_ERROR "${SOURCE}: no '// expect: ' line")
endif()
set(expect "${CMAKE_MATCH_1}")

execute_process(
  COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${INCLUDE}" "${SOURCE}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)

if(expect STREQUAL "compiles")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} must compile but did not:\n${out}")
  endif()
  message(STATUS "ok: ${SOURCE} compiles")
else()
  if(rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} compiled but must fail with: ${expect}")
  endif()
  string(FIND "${out}" "${expect}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${SOURCE} failed without the expected diagnostic '${expect}':\n${out}")
  endif()
  message(STATUS "ok: ${SOURCE} is rejected with '${expect}'")
endif()
