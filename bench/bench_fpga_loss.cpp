#include <nais/nais.hpp>
#include <benchmark/benchmark.h>
BENCHMARK_MAIN();
