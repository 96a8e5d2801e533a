// gbshim.cc - the C shim over Google Benchmark: the only C++ in heapbench.
//
// C code registers benchmarks (a body that runs one workload sequence on
// one subject and returns the alloc and free time it measured itself) and
// gets every repetition back through a callback.  Each benchmark uses
// manual time (alloc + free time only: heap setup is not timed), a fixed
// iteration count chosen by the caller, and reports the per-op alloc and
// free times as counters, so Google Benchmark's JSON output (and its
// compare.py) carries them too.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench.h"

namespace
{

struct Entry {
    std::string name;
    hb_gb_body body;
    void *ctx;
    uint64_t iterations;
};

std::vector<Entry> &entries()
{
    static std::vector<Entry> e;
    return e;
}

void run_entry(benchmark::State &st, size_t index)
{
    const Entry &e = entries()[index];
    double a = 0, f = 0, nulls = 0, na = 0, nf = 0;
    for (auto _ : st) {
        hb_speed_sample s{};
        e.body(e.ctx, &s);
        st.SetIterationTime((s.alloc_ns + s.free_ns) * 1e-9);
        a += s.alloc_ns;
        f += s.free_ns;
        na += static_cast<double>(s.nalloc);
        nf += static_cast<double>(s.nfree);
        nulls += static_cast<double>(s.nulls);
    }
    double it = static_cast<double>(st.iterations());
    st.counters["alloc_ns"] = benchmark::Counter(na > 0 ? a / na : 0);
    st.counters["free_ns"] = benchmark::Counter(nf > 0 ? f / nf : 0);
    st.counters["nulls"] = benchmark::Counter(it > 0 ? nulls / it : 0);
    st.counters["bench_index"] = benchmark::Counter(static_cast<double>(index));
}

// Hands every repetition to C and prints nothing (the runner prints progress).
class Collector : public benchmark::BenchmarkReporter
{
  public:
    Collector(hb_gb_record rec, void *ctx) : rec_(rec), ctx_(ctx) {}
    bool ReportContext(const Context &) override { return true; }
    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &r : runs) {
            if (r.run_type != Run::RT_Iteration || r.error_occurred)
                continue;
            auto get = [&r](const char *k) {
                auto it = r.counters.find(k);
                return it == r.counters.end() ? 0.0 : it->second.value;
            };
            hb_gb_sample s{};
            s.alloc_ns = get("alloc_ns");
            s.free_ns = get("free_ns");
            s.nulls = get("nulls");
            s.iterations = static_cast<uint64_t>(r.iterations);
            rec_(ctx_, static_cast<size_t>(get("bench_index")), r.repetition_index, &s);
        }
    }

  private:
    hb_gb_record rec_;
    void *ctx_;
};

} // namespace

extern "C" int hb_gb_available(void)
{
    return 1;
}
extern "C" const char *hb_gb_version(void)
{
    return HB_GBENCH_VERSION;
}

extern "C" size_t hb_gb_add(const char *name, hb_gb_body body, void *ctx, uint64_t iterations)
{
    entries().push_back(Entry{name, body, ctx, iterations ? iterations : 1});
    return entries().size() - 1;
}

extern "C" int hb_gb_run(int reps, int interleave, uint64_t seed, const char *json_out, hb_gb_record rec, void *rctx)
{
    (void)seed; // Google Benchmark shuffles with its own generator
    for (size_t i = 0; i < entries().size(); i++) {
        benchmark::RegisterBenchmark(entries()[i].name.c_str(), run_entry, i)
            ->UseManualTime()
            ->Iterations(static_cast<benchmark::IterationCount>(entries()[i].iterations))
            ->Repetitions(reps)
            ->Unit(benchmark::kNanosecond);
    }
    std::vector<std::string> args = {"hb-bench", std::string("--benchmark_enable_random_interleaving=") +
                                                     (interleave ? "true" : "false")};
    if (json_out) {
        args.push_back(std::string("--benchmark_out=") + json_out);
        args.push_back("--benchmark_out_format=json");
    }
    std::vector<char *> argv;
    for (auto &s : args)
        argv.push_back(&s[0]);
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    benchmark::Initialize(&argc, argv.data());
    Collector collector(rec, rctx);
    benchmark::RunSpecifiedBenchmarks(&collector);
    benchmark::Shutdown();
    return 0;
}
