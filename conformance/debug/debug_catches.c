/*
 * debug_catches.c - hb_debug_catches: a client with one bug, over a heap,
 * and what the heap says about it.
 *
 *   hb_debug_catches --heap debug:tlsf --bug overrun
 *
 * Each bug is what a kernel driver gets wrong (the FlingOS "Heaps" article:
 * data overwrite, over-freeing, leaks).  The client allocates 16 blocks
 * tagged "fs:inode" (allocations #1-#16), then a 24-byte block tagged
 * "driver:dma" (#17) and a 100-byte one tagged "net:rx" (#18), and then:
 *
 *   overrun           writes one byte (0x00) just past #17's end
 *   underrun          writes one byte (0x41) just before #17's start
 *   write_after_free  frees #17 (free #1), then writes 0x41 at its byte 3
 *   double_free       frees #17 twice
 *   interior_free     frees a pointer 8 bytes into #17
 *   overrun_at_free   overruns #17 by one byte, then frees it
 *   leak              frees the inode blocks but for #5, and not #17, #18
 *   corrupt_header    flips the byte 20 bytes before #17 (past its guard)
 *   foreign_free      frees a pointer to one of its own variables
 *
 * It prints every report the heap gives ("caught: ..."): check()'s message,
 * a rejected free's, and for the debug layer its last error and its
 * teardown report (debug.h).  Exit status 0 when the heap reported the bug,
 * 1 when it did not ("NOT CAUGHT"), 2 for bad usage.  A plain heap without
 * the layer reports little of this: its runs are the control.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug.h"
#include "mm.h"
#include "registry.h"

#define FILLERS 16

struct client {
    const struct hb_heap_ops *ops;
    hb_heap *h;
    unsigned char *fill[FILLERS];
    unsigned char *dma, *rx;
    int caught;
};

static void say(struct client *c, const char *what, const char *report)
{
    printf("caught: %s: %s\n", what, report);
    c->caught = 1;
}

static void run_check(struct client *c)
{
    char msg[256] = "";
    if (c->ops->check && c->ops->check(c->h, msg, sizeof msg) != HB_OK)
        say(c, "check()", msg);
}

static void run_free(struct client *c, void *p)
{
    int rc = c->ops->free(c->h, p);
    if (rc != HB_OK)
        say(c, "free()", rc == HB_EBADPTR ? "returned HB_EBADPTR" : "returned an error");
    if (hb_debug_is_layer(c->ops) && rc != HB_OK)
        say(c, "last error", hb_debug_last_error(c->h));
}

static int bug(struct client *c, const char *name)
{
    if (!strcmp(name, "overrun")) {
        c->dma[24] = 0x00;
        run_check(c);
    } else if (!strcmp(name, "underrun")) {
        c->dma[-1] = 0x41;
        run_check(c);
    } else if (!strcmp(name, "write_after_free")) {
        run_free(c, c->dma);
        c->dma[3] = 0x41;
        run_check(c);
    } else if (!strcmp(name, "double_free")) {
        run_free(c, c->dma);
        run_free(c, c->dma);
    } else if (!strcmp(name, "interior_free")) {
        run_free(c, c->dma + 8);
    } else if (!strcmp(name, "overrun_at_free")) {
        c->dma[24] = 0x00;
        run_free(c, c->dma);
        if (hb_debug_is_layer(c->ops) && hb_debug_last_error(c->h)[0])
            say(c, "at free", hb_debug_last_error(c->h));
        run_check(c);
    } else if (!strcmp(name, "corrupt_header")) {
        c->dma[-20] ^= 0xFF;
        run_check(c);
    } else if (!strcmp(name, "foreign_free")) {
        static unsigned char mine[64];
        run_free(c, mine + 16);
    } else if (!strcmp(name, "leak")) {
        for (int i = 0; i < FILLERS; i++)
            if (i != 4)
                run_free(c, c->fill[i]);
        if (hb_debug_is_layer(c->ops)) {
            fflush(stdout);
            c->caught = hb_debug_report(c->h, stdout) > 0;
        }
    } else {
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *heap = NULL, *name = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--heap"))
            heap = argv[i + 1];
        else if (!strcmp(argv[i], "--bug"))
            name = argv[i + 1];
    }
    struct client c = {0};
    c.ops = heap ? hb_find_heap(heap) : NULL;
    if (!c.ops || !name || argc != 5) {
        fprintf(stderr, "usage: hb_debug_catches --heap NAME --bug overrun|underrun|write_after_free|double_free|"
                        "interior_free|overrun_at_free|leak|corrupt_header|foreign_free\n");
        return 2;
    }
    hb_mm *mm = hb_mm_create(64, 0, HB_MM_CONTIGUOUS);
    size_t pages = (c.ops->min_initial + (size_t)64 * 1024 + HB_PAGE_SIZE - 1) / HB_PAGE_SIZE;
    void *block = mm ? hb_mm_get_pages(mm, pages < 32 ? pages : 32) : NULL;
    struct hb_config cfg = hb_mm_config(mm, 0);
    c.h = block ? c.ops->create(block, (pages < 32 ? pages : 32) * HB_PAGE_SIZE, &cfg) : NULL;
    if (!c.h) {
        fprintf(stderr, "hb_debug_catches: cannot create heap %s\n", heap);
        return 2;
    }
    for (int i = 0; i < FILLERS; i++)
        c.fill[i] = c.ops->alloc(c.h, 40, 0, "fs:inode");
    c.dma = c.ops->alloc(c.h, 24, 0, "driver:dma");
    c.rx = c.ops->alloc(c.h, 100, 0, "net:rx");
    if (!c.dma || !c.rx || !c.fill[FILLERS - 1]) {
        fprintf(stderr, "hb_debug_catches: heap %s refused the client's blocks\n", heap);
        return 2;
    }
    memset(c.dma, 0x11, 24);
    memset(c.rx, 0x22, 100);
    printf("heap %s, bug %s: block #17 (\"driver:dma\", 24 bytes) at %p\n", c.ops->name, name, (void *)c.dma);
    if (bug(&c, name) != 0) {
        fprintf(stderr, "hb_debug_catches: unknown bug '%s'\n", name);
        return 2;
    }
    if (!c.caught)
        printf("NOT CAUGHT: heap %s said nothing about the %s\n", c.ops->name, name);
    hb_mm_destroy(mm);
    return c.caught ? 0 : 1;
}
