// Central finite differences for checking hand-written backward passes.
#pragma once
#include <doctest/doctest.h>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace nais_test {

struct tolerance {
    double rel;  ///< relative to max(|fd|, |analytic|) of the entry
    double abs;  ///< relative to the largest |analytic| entry of the array (its scale)
};

inline constexpr tolerance double_fd{1e-6, 1e-8};

/// Central difference of f at x_j with step h (the step actually taken is recomputed from the
/// perturbed values, so rounding of x_j +- h does not bias it).
template <class T, class F>
double central(T& xj, T h, F& f) {
    const T save = xj;
    const T up = save + h, down = save - h;
    xj = up;
    const double fp = f();
    xj = down;
    const double fm = f();
    xj = save;
    return (fp - fm) / static_cast<double>(up - down);
}

/// Checks analytic (same shape as x) against finite differences of f() w.r.t. every entry of
/// x; f re-evaluates the function reading x. Central differences at steps h and h/2 combined
/// by Richardson extrapolation, (4 D(h/2) - D(h)) / 3, whose truncation error is O(h^4);
/// h = rel_step * max(1, |x_j|).
template <class A, class G, class F>
int check_gradient(const std::string& name, A& x, const G& analytic, F&& f, tolerance tol, double rel_step = 1e-4) {
    using T = typename A::Scalar;
    double scale = 0;
    for (Eigen::Index j = 0; j < analytic.size(); ++j)
        scale = std::max(scale, std::abs(static_cast<double>(analytic.data()[j])));
    int failures = 0;
    for (Eigen::Index j = 0; j < x.size(); ++j) {
        T& xj = x.data()[j];
        const T h = static_cast<T>(rel_step * std::max(1.0, std::abs(static_cast<double>(xj))));
        const double fd = (4 * central(xj, static_cast<T>(h / 2), f) - central(xj, h, f)) / 3;
        const double an = analytic.data()[j];
        const bool ok = std::abs(fd - an) <= tol.abs * scale + tol.rel * std::max(std::abs(fd), std::abs(an));
        if (!ok) {
            ++failures;
            INFO(name << "[" << j << "]: finite difference " << fd << " vs analytic " << an << " (scale " << scale << ")");
            CHECK(ok);
        }
    }
    CHECK_MESSAGE(failures == 0, name << ": " << failures << " of " << x.size() << " entries off");
    return failures;
}

/// Same for one scalar variable.
template <class T, class F>
void check_scalar_gradient(const std::string& name, T& x, double analytic, F&& f, tolerance tol, double rel_step = 1e-4) {
    Eigen::Array<T, 1, 1> a;
    a(0) = x;
    Eigen::Array<double, 1, 1> g;
    g(0) = analytic;
    check_gradient(name, a, g, [&] {
        x = a(0);
        return f();
    }, tol, rel_step);
    x = a(0);
}

template <class A>
void fill_normal(A& a, std::mt19937_64& rng, double sd = 1.0, double mean = 0.0) {
    std::normal_distribution<double> d(mean, sd);
    for (Eigen::Index j = 0; j < a.size(); ++j)
        a.data()[j] = static_cast<typename A::Scalar>(d(rng));
}

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
}

}  // namespace nais_test
