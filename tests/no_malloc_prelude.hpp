// What test_no_malloc.cpp configures before Eigen is included (its own precompiled header:
// tests/CMakeLists.txt): EIGEN_RUNTIME_NO_MALLOC reports through eigen_assert, which NDEBUG
// would compile out, so eigen_assert throws in every build type; then every module it tests.
#pragma once
#include <stdexcept>
struct eigen_assertion : std::logic_error {
    using std::logic_error::logic_error;
};
#define eigen_assert(x)                                              \
    do {                                                             \
        if (!(x))                                                    \
            throw eigen_assertion("eigen_assert failed: " #x);       \
    } while (false)
#define EIGEN_RUNTIME_NO_MALLOC
#include <nais/nais.hpp>

#include <doctest/doctest.h>
