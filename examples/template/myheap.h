/*
 * myheap.h - TEMPLATE: your heap's header.  Copy examples/template/ out of
 * heapbench, put your heap in place of myheap.c and myheap.h, and adjust
 * heapbench_adapter.c (docs/plugging-in.md walks through it).
 */
#ifndef MYHEAP_H
#define MYHEAP_H

#include <stddef.h>

/* Every pointer my_alloc returns is aligned to this many bytes. */
#define MYHEAP_ALIGN 16

struct myheap;

struct myheap *my_init(void *region, size_t size);
void *my_alloc(struct myheap *h, size_t size);
void my_free(struct myheap *h, void *ptr);

#endif
