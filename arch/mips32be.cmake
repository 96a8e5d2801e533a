# arch/mips32be.cmake - toolchain file for the mips32be target: 32-bit MIPS,
# big-endian, o32 ABI, MIPS32r2, Debian's mips-linux-gnu cross compiler, run
# under qemu-mips.  It exists to catch heaps that assume little-endian.
#   cmake -S . -B build/mips32be -DCMAKE_TOOLCHAIN_FILE=arch/mips32be.cmake
set(HB_CROSS_TARGET mips32be)
set(HB_CROSS_TRIPLE mips-linux-gnu)
set(HB_CROSS_PROCESSOR mips)
set(HB_CROSS_EMULATOR qemu-mips)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
