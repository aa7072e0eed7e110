// Under ASan + UBSan (cmake -DNAIS_SANITIZE=ON defines NAIS_SANITIZED=1) the tests' random and
// data-driven loops run a share of their cases: the instrumentation finds a memory error on the
// first cases as well as on the last, runs 5-20x slower, and the README's test command runs every
// case uninstrumented.
#pragma once
#ifndef NAIS_SANITIZED
#define NAIS_SANITIZED 0
#endif

namespace nais_test {

/// n cases, or n / divisor (at least 1) under the sanitizers.
constexpr int cases(int n, int divisor = 4) { return NAIS_SANITIZED ? (n + divisor - 1) / divisor : n; }

/// A loop's step: every case, or every `stride`-th under the sanitizers (keeps a loop's early and
/// late variants where the case index selects one).
constexpr int step(int stride) { return NAIS_SANITIZED ? stride : 1; }

}  // namespace nais_test
