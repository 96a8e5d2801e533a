# arch/x86.cmake - toolchain file for the x86 target: 32-bit i386 (i686),
# Debian's i686-linux-gnu cross compiler, run under qemu-i386.
#   cmake -S . -B build/x86 -DCMAKE_TOOLCHAIN_FILE=arch/x86.cmake
set(HB_CROSS_TARGET x86)
set(HB_CROSS_TRIPLE i686-linux-gnu)
set(HB_CROSS_PROCESSOR i686)
set(HB_CROSS_EMULATOR qemu-i386)
include(${CMAKE_CURRENT_LIST_DIR}/cross.cmake)
