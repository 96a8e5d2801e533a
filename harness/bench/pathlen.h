/*
 * pathlen.h - the path-length meter: exact instruction counts per heap call,
 * measured by QEMU with heapbench's plugin (tools/qemu-plugin/hbpath.c).
 *
 * The meter brackets every heap call with a pair of marker functions, one
 * pair per operation kind (the plugin knows the kind by the marker's symbol
 * name, since it can read neither registers nor memory).  The plugin counts
 * the guest instructions executed between a begin and its end marker and
 * appends one 8-byte record per pair to a file: little-endian, low byte the
 * kind letter ('A' alloc, 'F' free, 'C' calibration, 'P' probe), the upper
 * 56 bits the count.  hb_mark_flush makes the plugin flush that file, so
 * the meter reads the counts back in the same process and joins them with
 * its operation sequence by order.  Definitions: docs/metrics.md.
 */
#ifndef HEAPBENCH_PATHLEN_H
#define HEAPBENCH_PATHLEN_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The markers (pathlen_marks.c): empty, never inlined or analysed across,
   with an empty asm memory barrier, so every call stays where it is. */
void hb_mark_alloc_begin(void);
void hb_mark_alloc_end(void);
void hb_mark_free_begin(void);
void hb_mark_free_end(void);
void hb_mark_cal_begin(void);
void hb_mark_cal_end(void);
void hb_mark_probe_begin(void);
void hb_mark_probe_end(void);
void hb_mark_flush(void);
void hb_mark_mm_begin(void);
void hb_mark_mm_end(void);

/* Set by the path-length meter: heaps get a configuration whose get_pages
   and put_pages run between the mm markers (subject.c). */
extern int hb_pathlen_mark_mm;

/* Probe functions of known length for the exactness test: straight-line
   code (no branch but the return), so objdump tells how many instructions
   one call executes. */
typedef uint32_t (*hb_probe_fn)(uint32_t);
uint32_t hb_probe_empty(uint32_t x);
uint32_t hb_probe_known(uint32_t x);

/* In the parent, before any child: opens the count file and calibrates
   (the empty marker pair).  0, or -1 with a message on stderr (not running
   under the plugin). */
int hb_pathlen_begin(const char *counts, uint32_t *cal);
/* In a child: one heap x workload, every call between its markers; the
   figures in *f.  0, or -1 with the reason in msg. */
int hb_pathlen_measure(const struct hb_subject *s, const struct hb_opseq *seq, size_t initial_bytes, uint32_t cal,
                       struct hb_pathlen_fig *f, char *msg, size_t msglen);
/* --pathlen-probe: calibration and probe figures only, printed. */
int hb_pathlen_probe(const char *counts);
/* The instruction range [lo, hi) of histogram bucket b. */
void hb_pl_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi);

#ifdef __cplusplus
}
#endif

#endif
