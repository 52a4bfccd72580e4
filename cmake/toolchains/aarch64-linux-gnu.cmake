# Cross-compiling for AArch64 Linux with Debian's g++-aarch64-linux-gnu; the
# programs run under qemu-aarch64 (Debian qemu-user), which ctest uses
# through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
# Header-only packages (xsimd, Eigen) are architecture-independent: take them
# from the host's /usr as well.
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
# Debian installs xsimd's (architecture-independent) CMake package under the
# build machine's multiarch directory.
file(GLOB _ropekit_xsimd_dirs /usr/lib/*-linux-gnu/cmake/xsimd)
if(_ropekit_xsimd_dirs AND NOT xsimd_DIR)
  list(GET _ropekit_xsimd_dirs 0 _ropekit_xsimd_dir)
  set(xsimd_DIR ${_ropekit_xsimd_dir} CACHE PATH "xsimd's CMake package")
endif()
