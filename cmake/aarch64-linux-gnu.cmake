# Cross build for AArch64 with Debian's cross toolchain, tests run under qemu-user:
#   apt-get install g++-aarch64-linux-gnu qemu-user
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake ...
# (tools/test-arm.sh does all of it). ctest prefixes every test command with the emulator.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(SAMD_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${SAMD_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SAMD_CROSS_TRIPLE}-g++)

# Debian's multiarch-less cross sysroot: libc, libstdc++, libgomp for aarch64.
set(CMAKE_FIND_ROOT_PATH /usr/${SAMD_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(SAMD_QEMU_AARCH64 qemu-aarch64)
if(NOT SAMD_QEMU_AARCH64)
  message(FATAL_ERROR "samd: cross build for aarch64 needs qemu-aarch64 to run its tests: "
                      "apt-get install qemu-user (tools/test-arm.sh does)")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${SAMD_QEMU_AARCH64};-L;/usr/${SAMD_CROSS_TRIPLE}")
