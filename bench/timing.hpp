// In-process timing for the baselines the benchmarks report ratios against.
#pragma once
#include <algorithm>
#include <chrono>

namespace nais_bench {

/// Seconds per call of f: the best of 5 batches of `calls` calls.
template <class F>
double seconds_per_call(F&& f, int calls) {
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < calls; ++k)
            f();
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(t1 - t0).count() / calls);
    }
    return best;
}

}  // namespace nais_bench
