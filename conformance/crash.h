/*
 * crash.h - what a case was doing when it crashed.
 *
 * The fixture notes every heap call and block access before it makes it
 * (cheaply: four stores).  If the case then dies on a signal (SIGSEGV,
 * SIGBUS from a misaligned access on MIPS32, SIGILL, SIGFPE, SIGABRT), the
 * handler prints the heap, the case, the seed and that last operation with
 * async-signal-safe writes, and ends the child with status HB_CRASH_STATUS
 * (HB_TIMEOUT_STATUS when the case's alarm went off: a hang).
 */
#ifndef HEAPBENCH_CRASH_H
#define HEAPBENCH_CRASH_H

#include <stddef.h>
#include <stdint.h>

#define HB_CRASH_STATUS 3
#define HB_TIMEOUT_STATUS 4 /* SIGALRM: the case ran past its timeout */

void hb_crash_install(const char *heap, const char *case_name, uint64_t seed);
void hb_crash_note(const char *op, size_t size, size_t align, const void *ptr);

#endif
