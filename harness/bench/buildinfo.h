/*
 * buildinfo.h - the facts the build passes to hb-bench (harness/bench/
 * CMakeLists.txt defines them), with a fallback for each.
 */
#ifndef HEAPBENCH_BUILDINFO_H
#define HEAPBENCH_BUILDINFO_H

#ifndef HB_TARGET
#define HB_TARGET "host"
#endif
#ifndef HB_TIMING
#define HB_TIMING "host"
#endif
#ifndef HB_EMULATOR
#define HB_EMULATOR ""
#endif
#ifndef HB_COMPILER
#define HB_COMPILER "unknown"
#endif
#ifndef HB_FLAGS
#define HB_FLAGS ""
#endif
#ifndef HB_BUILD_TYPE
#define HB_BUILD_TYPE ""
#endif
#ifndef HB_GIT_COMMIT
#define HB_GIT_COMMIT "unknown"
#endif
#ifndef HB_TRACE_DIR
#define HB_TRACE_DIR ""
#endif

#endif
