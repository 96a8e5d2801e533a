/*
 * mm.h - the simulated memory manager that feeds every heap its page blocks.
 *
 * It stands for a kernel's (virtual) memory manager: it hands out blocks of
 * whole pages from one arena, refuses past a configured maximum, and takes
 * blocks back.  Every page it is not lending out is filled with a guard
 * pattern, so a heap that writes outside what it was given (past the end of
 * its pool when full, or into a block it already gave back) is caught by
 * hb_mm_check_guards.  Its counters let tests prove that nothing leaked.
 *
 * Placement:
 *   HB_MM_CONTIGUOUS  each block follows the previous one directly.
 *   HB_MM_SCATTERED   blocks are handed out from the top of the arena down,
 *                     with a guard page between neighbours: never adjacent,
 *                     and in descending address order.
 */
#ifndef HEAPBENCH_MM_H
#define HEAPBENCH_MM_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

#ifdef __cplusplus
extern "C" {
#endif

enum hb_mm_placement { HB_MM_CONTIGUOUS, HB_MM_SCATTERED };

#define HB_MM_GUARD_BYTE 0xA5u

struct hb_mm_counters {
    size_t bytes_out;      /* bytes lent out now (initial block included) */
    size_t blocks_out;     /* blocks lent out now */
    size_t peak_bytes_out; /* the most ever lent out at once */
    size_t grants;         /* get_pages calls that succeeded */
    size_t refusals;       /* get_pages calls refused */
    size_t returns;        /* put_pages calls */
};

typedef struct hb_mm hb_mm;

/* An arena of arena_pages pages; get_pages refuses once lending more would
   exceed max_bytes (0 = the arena is the only limit). */
hb_mm *hb_mm_create(size_t arena_pages, size_t max_bytes, enum hb_mm_placement placement);
void hb_mm_destroy(hb_mm *mm);

/* The memory-manager interface proper (these are what hb_config points at). */
void *hb_mm_get_pages(void *mm, size_t npages);
void hb_mm_put_pages(void *mm, void *block, size_t npages);

/* A config wired to this memory manager. */
struct hb_config hb_mm_config(hb_mm *mm, size_t param);

void hb_mm_counters(const hb_mm *mm, struct hb_mm_counters *out);
size_t hb_mm_page_size(const hb_mm *mm);
void hb_mm_set_max(hb_mm *mm, size_t max_bytes);

/* Does [p, p+len) lie wholly inside pages that are lent out now (one block,
   or adjacent blocks a heap may have merged)? */
int hb_mm_owns(const hb_mm *mm, const void *p, size_t len);

/* The cheap guard check, after every heap operation: only the `edge` guard
   bytes on each side of every lent block (where a write past a block's end
   or before its start lands).  0 if intact; otherwise -1, described in msg
   as hb_mm_check_guards does.  O(pages / 8 + blocks * edge). */
int hb_mm_check_guard_edges(const hb_mm *mm, size_t edge, char *msg, size_t msg_len);

/* Would get_pages(npages) be granted now (the maximum and the arena both
   allow it)?  Changes nothing. */
int hb_mm_could_grant(const hb_mm *mm, size_t npages);

/* Called by put_pages before it takes a block back: `problem` is NULL for a
   well-formed return, else what is wrong with it (the block was not lent,
   the page count differs); then put_pages ignores the call if the hook
   returns.  Without a hook a bad put_pages aborts with the problem on stderr. */
typedef void (*hb_mm_return_hook)(void *ctx, const void *block, size_t npages, const char *problem);
void hb_mm_set_return_hook(hb_mm *mm, hb_mm_return_hook hook, void *ctx);

/* Every page not lent out still holds the guard pattern?  0 if so; otherwise
   -1 with the first damaged address and its offset described in msg. */
int hb_mm_check_guards(const hb_mm *mm, char *msg, size_t msg_len);

#ifdef __cplusplus
}
#endif

#endif
