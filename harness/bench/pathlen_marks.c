/*
 * pathlen_marks.c - the marker functions the path-length plugin watches,
 * and the probe functions of known length.  In a file of their own, so no
 * caller sees their bodies; noipa as well, so GCC neither inlines, clones,
 * folds identical bodies (ICF) nor assumes anything about them.  The empty
 * asm with a memory clobber keeps each call a real call at its place.
 */
#include "pathlen.h"

#ifdef __clang__ /* clang (clang-tidy) has no noipa; the build uses GCC */
#define HB_OPAQUE __attribute__((noinline))
#else
#define HB_OPAQUE __attribute__((noinline, noipa))
#endif

#define HB_MARKER(name)                                                                                                \
    HB_OPAQUE void name(void)                                                                                          \
    {                                                                                                                  \
        __asm__ __volatile__("" ::: "memory");                                                                         \
    }

HB_MARKER(hb_mark_alloc_begin)
HB_MARKER(hb_mark_alloc_end)
HB_MARKER(hb_mark_free_begin)
HB_MARKER(hb_mark_free_end)
HB_MARKER(hb_mark_cal_begin)
HB_MARKER(hb_mark_cal_end)
HB_MARKER(hb_mark_probe_begin)
HB_MARKER(hb_mark_probe_end)
HB_MARKER(hb_mark_flush)
HB_MARKER(hb_mark_mm_begin)
HB_MARKER(hb_mark_mm_end)

HB_OPAQUE uint32_t hb_probe_empty(uint32_t x)
{
    return x;
}

/* A straight-line integer mix: no branch, no call, no loop. */
HB_OPAQUE uint32_t hb_probe_known(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x + 0x9e3779b9U;
}
