# arch/mips32.cmake - toolchain file for the mips32 target: 32-bit MIPS,
# little-endian, o32 ABI, MIPS32r2 (the CI20-class board FlingOS ran on),
# Debian's mipsel-linux-gnu cross compiler, run under qemu-mipsel.
#   cmake -S . -B build/mips32 -DCMAKE_TOOLCHAIN_FILE=arch/mips32.cmake
set(HB_CROSS_TARGET mips32)
set(HB_CROSS_TRIPLE mipsel-linux-gnu)
set(HB_CROSS_PROCESSOR mipsel)
set(HB_CROSS_EMULATOR qemu-mipsel)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
