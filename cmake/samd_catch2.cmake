# Catch2 (2.x, header-only) for every test directory, and samd_catch_main: the one object holding
# Catch2's main and runner. Compiling that runner takes 10-13 s at -O0 (below); each test
# directory compiling its own copy cost a fresh build about a minute of its two cores.
#
# In a cross build (tools/test-arm.sh) the host's /usr/include must not become an include
# directory of the target compiler (its glibc headers are the host's), so only the catch2/
# headers are staged.
if(CMAKE_CROSSCOMPILING)
  find_file(SAMD_CATCH2_HEADER catch2/catch.hpp PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
  if(NOT SAMD_CATCH2_HEADER)
    message(FATAL_ERROR "samd: the tests need Catch2's headers: install catch2 (tools/setup.sh does)")
  endif()
  get_filename_component(_samd_catch2_dir "${SAMD_CATCH2_HEADER}" DIRECTORY)
  file(COPY "${_samd_catch2_dir}" DESTINATION "${CMAKE_BINARY_DIR}/catch2-headers")
  add_library(samd_catch2_headers INTERFACE)
  target_include_directories(samd_catch2_headers SYSTEM INTERFACE "${CMAKE_BINARY_DIR}/catch2-headers")
  add_library(Catch2::Catch2 ALIAS samd_catch2_headers)
else()
  find_package(Catch2 CONFIG REQUIRED)
endif()

add_library(samd_catch_main OBJECT "${CMAKE_CURRENT_LIST_DIR}/catch_main.cpp")
target_link_libraries(samd_catch_main PUBLIC Catch2::Catch2 PRIVATE samd_warnings)
# The runner's own speed does not matter, and -O0 (after the configuration's -O flag, so it wins)
# compiles it in a third of the time: measured 19 -> 10 s with g++, 40 -> 13 s with clang++-14
# under ASan + UBSan (still instrumented: the sanitizers stay all-or-nothing).
if(NOT MSVC)
  target_compile_options(samd_catch_main PRIVATE -O0)
endif()
