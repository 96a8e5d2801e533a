/*
 * expect.h - the one check macro of the harness's small unit tests
 * (test_mm, test_supervise, test_lock): a false condition prints where and
 * why and is counted; the test goes on and its main returns
 * hb_expect_failures != 0.  Include it once per test program.
 */
#ifndef HEAPBENCH_EXPECT_H
#define HEAPBENCH_EXPECT_H

#include <stdio.h>

static int hb_expect_failures;

#define EXPECT(cond, ...)                                                                                              \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                                \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
            hb_expect_failures++;                                                                                      \
        }                                                                                                              \
    } while (0)

#endif
