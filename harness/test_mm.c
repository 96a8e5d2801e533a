/*
 * test_mm.c - the simulated memory manager's placement, limits, guards and
 * accounting, checked directly (the conformance suite relies on them).
 */
#include <stdio.h>
#include <stdlib.h>

#include "expect.h"
#include "mm.h"

static void contiguous_placement(void)
{
    hb_mm *mm = hb_mm_create(64, 0, HB_MM_CONTIGUOUS);
    unsigned char *a = hb_mm_get_pages(mm, 2), *b = hb_mm_get_pages(mm, 3), *c = hb_mm_get_pages(mm, 1);
    EXPECT(b == a + 2 * HB_PAGE_SIZE && c == b + 3 * HB_PAGE_SIZE, "contiguous blocks follow each other");
    hb_mm_put_pages(mm, b, 3);
    EXPECT(hb_mm_get_pages(mm, 1) == b, "a freed run is reused lowest first");
    EXPECT(hb_mm_get_pages(mm, 4) == c + HB_PAGE_SIZE, "a run too big for the hole goes after the last block");
    EXPECT(hb_mm_get_pages(mm, 2) == b + HB_PAGE_SIZE, "the rest of the hole is still found");
    hb_mm_destroy(mm);
}

static void scattered_placement(void)
{
    hb_mm *mm = hb_mm_create(64, 0, HB_MM_SCATTERED);
    unsigned char *a = hb_mm_get_pages(mm, 1), *b = hb_mm_get_pages(mm, 5);
    EXPECT(b + 6 * HB_PAGE_SIZE == a, "scattered blocks descend with one guard page between them");
    unsigned char *c = hb_mm_get_pages(mm, 1);
    EXPECT(c + 2 * HB_PAGE_SIZE == b, "and so does the next");
    hb_mm_put_pages(mm, a, 1);
    EXPECT(hb_mm_get_pages(mm, 1) == a, "a freed top block is found again");
    hb_mm_put_pages(mm, b, 5);
    unsigned char *d = hb_mm_get_pages(mm, 2);
    EXPECT(d && d >= b + HB_PAGE_SIZE && d + 3 * HB_PAGE_SIZE <= a,
           "a small block in a freed hole keeps a guard page on both sides");
    EXPECT(!hb_mm_owns(mm, d + 2 * HB_PAGE_SIZE, 1), "the guard page above it is not lent");
    hb_mm_destroy(mm);

    /* A large request that skips a small hole must not hide the hole from a
       small request that follows. */
    mm = hb_mm_create(64, 0, HB_MM_SCATTERED);
    (void)hb_mm_get_pages(mm, 1);
    unsigned char *hole = hb_mm_get_pages(mm, 1);
    (void)hb_mm_get_pages(mm, 1);
    hb_mm_put_pages(mm, hole, 1);
    EXPECT((unsigned char *)hb_mm_get_pages(mm, 3) < hole, "three pages do not fit the one-page hole");
    EXPECT(hb_mm_get_pages(mm, 1) == hole, "the hole is still the highest place for one page");
    hb_mm_destroy(mm);
}

static void limit_guards_and_counters(void)
{
    hb_mm *mm = hb_mm_create(32, 4 * HB_PAGE_SIZE, HB_MM_CONTIGUOUS);
    unsigned char *a = hb_mm_get_pages(mm, 3);
    EXPECT(hb_mm_get_pages(mm, 2) == NULL, "a grant past the maximum is refused");
    unsigned char *b = hb_mm_get_pages(mm, 1);
    EXPECT(b != NULL, "a grant up to the maximum is given");
    struct hb_mm_counters c;
    hb_mm_counters(mm, &c);
    EXPECT(c.bytes_out == 4 * HB_PAGE_SIZE && c.blocks_out == 2 && c.grants == 2 && c.refusals == 1,
           "counters follow grants and refusals");
    EXPECT(hb_mm_owns(mm, a, 4 * HB_PAGE_SIZE), "adjacent lent blocks are owned together");
    char msg[256];
    EXPECT(hb_mm_check_guards(mm, msg, sizeof msg) == 0, "fresh guards are intact");
    b[HB_PAGE_SIZE] = 0; /* one byte past the last lent page */
    EXPECT(hb_mm_check_guards(mm, msg, sizeof msg) != 0, "a write past the lent pages is caught");
    b[HB_PAGE_SIZE] = HB_MM_GUARD_BYTE;
    hb_mm_put_pages(mm, a, 3);
    a[5] = 1; /* a write into a block given back */
    EXPECT(hb_mm_check_guards(mm, msg, sizeof msg) != 0, "a write into a returned block is caught");
    hb_mm_destroy(mm);
}

int main(void)
{
    contiguous_placement();
    scattered_placement();
    limit_guards_and_counters();
    printf("%s\n", hb_expect_failures ? "memory manager: FAILED" : "memory manager: all checks passed");
    return hb_expect_failures != 0;
}
