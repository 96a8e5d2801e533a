/*
 * arch.h - per-target facts, and the only place they live.
 *
 * Every other file asks this header for the page size, the default
 * alignment, the word size, the byte order and whether a misaligned access
 * traps.  Targets: the host (x86-64), x86 (i386) and MIPS32 (little- and
 * big-endian), the latter two built with the toolchain files beside this
 * header and run under QEMU user mode.
 */
#ifndef HEAPBENCH_ARCH_H
#define HEAPBENCH_ARCH_H

#include <stddef.h>

#if defined(__x86_64__)
#define HB_ARCH_NAME "x86_64"
#define HB_MISALIGNED_TRAPS 0
#elif defined(__i386__)
#define HB_ARCH_NAME "x86"
#define HB_MISALIGNED_TRAPS 0
#elif defined(__mips__) && defined(__MIPSEL__)
#define HB_ARCH_NAME "mips32el"
#define HB_MISALIGNED_TRAPS 1
#elif defined(__mips__)
#define HB_ARCH_NAME "mips32"
#define HB_MISALIGNED_TRAPS 1
#else
#define HB_ARCH_NAME "unknown"
#define HB_MISALIGNED_TRAPS 0
#endif

/* Page size of the memory manager: 4096 on every target heapbench runs. */
#define HB_PAGE_SIZE ((size_t)4096)

/* The alignment alloc gives when none is asked: _Alignof(max_align_t) of the
   target (16 on x86-64 and i386 with GCC, 8 on MIPS32). */
#ifdef __cplusplus
#define HB_DEFAULT_ALIGN ((size_t)alignof(std::max_align_t))
#else
#define HB_DEFAULT_ALIGN ((size_t) _Alignof(max_align_t))
#endif

#define HB_WORD_BYTES ((size_t)sizeof(void *))

/* The build target's name (CMake's HB_TARGET_NAME: "host", "x86", "mips32",
   "mips32be"), the name tests and results carry.  The build defines it;
   outside the build it falls back to the architecture's name. */
#ifndef HB_TARGET
#define HB_TARGET HB_ARCH_NAME
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HB_BIG_ENDIAN 1
#define HB_ENDIAN_NAME "big"
#else
#define HB_BIG_ENDIAN 0
#define HB_ENDIAN_NAME "little"
#endif

#endif
