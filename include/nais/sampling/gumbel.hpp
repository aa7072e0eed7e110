#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <random>

namespace nais {

/// Seeded source of standard Gumbel noise g = -log(-log(u)), u uniform in (0, 1).
/// The uniform draw is built from the top 53 bits of std::mt19937_64 (whose output sequence
/// the C++ standard fixes), so the noise is reproducible bit for bit across platforms.
class gumbel_generator {
public:
    explicit gumbel_generator(std::uint64_t seed) : engine_(seed) {}

    double operator()() {
        const double u = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;  // in (0, 1)
        return -std::log(-std::log(u));
    }

    /// Fills an Eigen array (any shape) with fresh noise, in storage order.
    template <class Derived>
    void fill(Eigen::DenseBase<Derived>& a) {
        for (Eigen::Index c = 0; c < a.cols(); ++c)
            for (Eigen::Index r = 0; r < a.rows(); ++r)
                a(r, c) = static_cast<typename Derived::Scalar>((*this)());
    }

private:
    std::mt19937_64 engine_;
};

/// Fills `a` with Gumbel noise drawn from a generator seeded with `seed`.
template <class Derived>
void gumbel_noise(Eigen::DenseBase<Derived>& a, std::uint64_t seed) {
    gumbel_generator g(seed);
    g.fill(a);
}
template <class Derived>
void gumbel_noise(Eigen::DenseBase<Derived>&& a, std::uint64_t seed) {
    gumbel_generator g(seed);
    g.fill(a);
}

}  // namespace nais
