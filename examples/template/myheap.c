/*
 * myheap.c - TEMPLATE: a stand-in heap, to be replaced by yours.
 *
 * Algorithm: the region after the state is cut into MYHEAP_ALIGN-byte
 * chunks, with one map entry per chunk: 0 for a free chunk, the length in
 * chunks for the first chunk of an allocation, MY_INSIDE for the others.
 * my_alloc takes the first run of free chunks long enough (O(chunks));
 * my_free clears the run (O(its length)).  Freed runs need no merging: free
 * chunks are simply free.  Overhead: the map, sizeof(size_t) bytes per chunk.
 */
#include "myheap.h"

#include <stdint.h>

#define MY_CHUNK ((size_t)MYHEAP_ALIGN)
#define MY_INSIDE SIZE_MAX

struct myheap {
    unsigned char *base; /* the first chunk */
    size_t chunks;
    size_t map[]; /* one entry per chunk */
};

struct myheap *my_init(void *region, size_t size)
{
    uintptr_t start = ((uintptr_t)region + sizeof(size_t) - 1) & ~(uintptr_t)(sizeof(size_t) - 1);
    uintptr_t end = (uintptr_t)region + size;
    if (end < start || end - start < sizeof(struct myheap) + MY_CHUNK + sizeof(size_t) + MY_CHUNK)
        return NULL;
    struct myheap *h = (struct myheap *)start;
    /* n chunks need n map entries and n * MY_CHUNK bytes, plus alignment. */
    size_t room = end - start - sizeof(struct myheap) - MY_CHUNK;
    h->chunks = room / (MY_CHUNK + sizeof(size_t));
    uintptr_t base = (uintptr_t)&h->map[h->chunks];
    h->base = (unsigned char *)((base + MY_CHUNK - 1) & ~(uintptr_t)(MY_CHUNK - 1));
    for (size_t i = 0; i < h->chunks; i++)
        h->map[i] = 0;
    return h;
}

void *my_alloc(struct myheap *h, size_t size)
{
    size_t n = size / MY_CHUNK + (size % MY_CHUNK != 0) + (size == 0);
    size_t run = 0;
    for (size_t i = 0; i < h->chunks && n <= h->chunks; i++) {
        run = h->map[i] == 0 ? run + 1 : 0;
        if (run == n) {
            size_t first = i + 1 - n;
            h->map[first] = n;
            for (size_t k = first + 1; k <= i; k++)
                h->map[k] = MY_INSIDE;
            return h->base + first * MY_CHUNK;
        }
    }
    return NULL;
}

void my_free(struct myheap *h, void *ptr)
{
    if (!ptr)
        return;
    size_t first = (size_t)((unsigned char *)ptr - h->base) / MY_CHUNK;
    size_t n = h->map[first];
    for (size_t k = first; k < first + n; k++)
        h->map[k] = 0;
}
