/*
 * replay.h - record the heap calls a failing case made, shrink them to a
 * short sequence that still fails the same way, write it as a text file, and
 * replay such a file through the fixture.
 *
 * Recording: in the case's child the fixture talks to the heap through a
 * proxy ops table (hb_replay_record_start) that logs every call that changes
 * the heap - create, alloc (size, alignment, tag), free (of which earlier
 * allocation, or of which bad pointer), expand, contract - into the shared
 * result area of the supervisor, before the call is made, so the log
 * survives however the child dies.  fx_setup adds the fixture's options
 * (hb_replay_note_setup).  Read-only calls (stats, walk, check, usable_size)
 * are not logged: the replay makes them itself, after every operation.
 *
 * Shrinking: first the shortest failing suffix of 1, 2, 4, ... operations,
 * then delta debugging (ddmin) over what is left, each trial replayed in a
 * supervised child; a trial counts when it fails with the same
 * kind of failure as the full sequence (the same check at the same source
 * line, the same signal, a stack overflow, a timeout, the same sanitizer
 * error).  Operations whose allocation a trial dropped become no-ops, so
 * every subset is a valid sequence.  Bounded by trials and wall time.
 *
 * File format (one operation a line; '#' starts a comment):
 *   seed N
 *   setup initial BYTES max BYTES arena PAGES placement contiguous|scattered checked 0|1
 *   alloc #ID SIZE ALIGN "tag"|-     the ID names the block for later lines
 *   free #ID                         free a live block (checked)
 *   free-null
 *   free-again #ID                   double free of a freed block
 *   bad-free #ID +OFFSET             a pointer inside live block ID
 *   bad-free initial +|-OFFSET       a pointer relative to the initial block
 *   bad-free abs 0xADDR
 *   expand BYTES ok|failed           pages from the memory manager, then expand
 *   contract
 *   create [BYTES]                   rebuild the heap over its initial block (its first BYTES)
 * A case may set up several fixtures (heaps): the N-th setup line starts
 * fixture N-1, and a line that applies to a fixture other than the first
 * ends with @K.  After every operation every fixture is verified (a heap
 * that keeps its state in globals breaks the other one).
 */
#ifndef HEAPBENCH_REPLAY_H
#define HEAPBENCH_REPLAY_H

#include <stdio.h>

#include "suite.h"
#include "supervise.h"

/* Bytes of shared result area the recording needs (pass to hb_sv_create). */
size_t hb_replay_log_bytes(void);
/* Parent, before each recorded run: empty the log. */
void hb_replay_log_clear(struct hb_sv *sv);

/* Child: start recording the calls f makes; returns the ops table f must
   use (a proxy of real). */
const struct hb_heap_ops *hb_replay_record_start(const struct hb_heap_ops *real, struct fx *f);
/* Child, from fx_setup: the fixture's options (no-op when not recording). */
void hb_replay_note_setup(const struct fx_opts *o);

struct hb_replay; /* a sequence of operations */

/* Parent, after a recorded run: the logged sequence, or NULL with why. */
struct hb_replay *hb_replay_from_log(struct hb_sv *sv, uint64_t seed, char *why, size_t why_len);
/* A replay file, or NULL with why (file and line named). */
struct hb_replay *hb_replay_load(const char *path, char *why, size_t why_len);
void hb_replay_free(struct hb_replay *r);
size_t hb_replay_length(const struct hb_replay *r);
uint64_t hb_replay_seed(const struct hb_replay *r);

/* Replays r on ops in a supervised child, verifying the whole heap after
   every operation. */
int hb_replay_run(struct hb_sv *sv, const struct hb_heap_ops *ops, const struct hb_replay *r, double timeout,
                  struct hb_sv_outcome *out);

struct hb_replay_shrink {
    double budget; /* wall seconds for all trials */
    unsigned max_trials;
    double trial_timeout;
    /* results */
    size_t original, final;
    unsigned trials;
    double seconds;
    int reproduced; /* the full sequence fails under replay */
    char kind[160]; /* the kind of failure kept */
};
/* Shrinks r in place (ddmin). */
void hb_replay_shrink(struct hb_sv *sv, const struct hb_heap_ops *ops, struct hb_replay *r, struct hb_replay_shrink *s);

/* Writes r to path (through a temporary file and a rename); the header
   comment says where it came from.  0, or -1 with why. */
int hb_replay_write(const struct hb_replay *r, const char *path, const char *header, char *why, size_t why_len);

#endif
