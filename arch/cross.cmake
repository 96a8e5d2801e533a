# arch/cross.cmake - what every cross target shares; included by the
# per-target toolchain files (x86.cmake, mips32.cmake, mips32be.cmake), which
# set HB_CROSS_TRIPLE, HB_CROSS_PROCESSOR, HB_CROSS_EMULATOR and
# HB_CROSS_TARGET before including it.  Not a toolchain file on its own.
#
# CMake reads a toolchain file more than once (again for every try_compile),
# so everything here must be safe to repeat.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${HB_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${HB_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${HB_CROSS_TRIPLE}-g++)

# Names the build, its CTest labels and its test names (<target>.conformance...).
set(HB_TARGET_NAME ${HB_CROSS_TARGET} CACHE STRING "Name of the target this build is for (host, x86, mips32, ...)")

# 64-bit file offsets and inode numbers on these 32-bit targets: without it
# glibc's readdir() fails with EOVERFLOW under QEMU on a 64-bit host (ext4
# hands out 64-bit directory offsets), and a program finds no files.
set(CMAKE_C_FLAGS_INIT "-D_FILE_OFFSET_BITS=64")
set(CMAKE_CXX_FLAGS_INIT "-D_FILE_OFFSET_BITS=64")

# Static, so QEMU user mode needs no target sysroot (-L) at run time, and
# unstripped (no -s anywhere), so the path-length measurement can read the
# symbols of the main binary.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# CTest prepends this to every test whose add_test() COMMAND names a target.
# Guarded: a plain set() would override -DCMAKE_CROSSCOMPILING_EMULATOR=...
# given on the command line (e.g. a QEMU built from source, or "qemu-mipsel;-cpu;24Kf").
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HB_CROSS_EMULATOR})
endif()

# Programs (code generators, the emulator) come from the host; libraries,
# headers and CMake packages from the target's cross sysroot that the Debian
# cross compiler uses by itself, or from CMAKE_PREFIX_PATH (the cross-built
# Google Benchmark in .cache/gbench/<target>, passed by the Makefile).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
