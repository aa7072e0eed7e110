#include <nais/nais.hpp>

#include "fd.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace nais;
using Arr = Eigen::Array<double, 6, 5>;

TEST_CASE("Gumbel noise is seeded and reproducible bit for bit") {
    Arr a, b, c;
    gumbel_noise(a, 7);
    gumbel_noise(b, 7);
    gumbel_noise(c, 8);
    CHECK((a == b).all());
    CHECK(!(a == c).all());
    CHECK(a.allFinite());
}

TEST_CASE("Gumbel noise has the standard Gumbel mean and variance") {
    gumbel_generator g(2020);
    const int n = 400000;
    double s = 0, s2 = 0;
    for (int k = 0; k < n; ++k) {
        const double x = g();
        s += x;
        s2 += x * x;
    }
    const double mean = s / n, var = s2 / n - mean * mean;
    const double pi = 3.14159265358979323846;
    // standard errors: sd/sqrt(n) = 0.002 for the mean; 5 sigma bounds
    CHECK(std::abs(mean - 0.5772156649) < 0.011);
    CHECK(std::abs(var - pi * pi / 6) < 0.05);
}

TEST_CASE("argmax of logits + Gumbel noise samples softmax(logits) (Gumbel-max)") {
    Eigen::Array<double, 1, 4> logits;
    logits << 0.3, -1.0, 1.2, 0.0;
    const Eigen::Array<double, 1, 4> p = logits.exp() / logits.exp().sum();
    gumbel_generator g(11);
    const int n = 200000;
    Eigen::Array<double, 1, 4> counts = Eigen::Array<double, 1, 4>::Zero();
    for (int k = 0; k < n; ++k) {
        Eigen::Array<double, 1, 4> z;
        g.fill(z);
        Eigen::Index best;
        (logits + z).maxCoeff(&best);
        counts(best) += 1;
    }
    for (int m = 0; m < 4; ++m) {
        const double sd = std::sqrt(p(m) * (1 - p(m)) / n);
        CHECK(std::abs(counts(m) / n - p(m)) < 5 * sd);
    }
}

TEST_CASE("soft samples are probabilities; hard samples are the one-hot argmax") {
    std::mt19937_64 rng(3);
    for (double tau : {5.0, 1.0, 0.2, 0.05}) {
        Arr x, g, gx;
        nais_test::fill_normal(x, rng, 3.0);
        gumbel_noise(g, 99);
        gx.setZero();
        bool hard = false;
        auto node = gumbel_softmax(expr::variable(x, gx), g, tau, std::cref(hard));
        const Arr soft = node.forward();
        CHECK(soft.allFinite());
        CHECK((soft >= 0).all());
        CHECK(((soft.rowwise().sum() - 1).abs() < 1e-12).all());
        hard = true;
        const Arr h = node.forward();
        CHECK(((h == 0) || (h == 1)).all());
        CHECK((h.rowwise().sum() == 1).all());
        for (int r = 0; r < x.rows(); ++r) {
            Eigen::Index a, b;
            (x.row(r) + g.row(r)).maxCoeff(&a);
            h.row(r).maxCoeff(&b);
            CHECK(a == b);
        }
        // the straight-through backward is the soft Jacobian, finite down to tau = 0.05
        Arr seed;
        nais_test::fill_normal(seed, rng);
        node.backward(seed);
        CHECK(gx.allFinite());
    }
}

TEST_CASE("extreme logits stay finite (stable softmax)") {
    Arr x = Arr::Constant(1e30);
    x(0, 0) = -1e30;
    x(1, 2) = 3e30;
    Arr gx = Arr::Zero();
    auto node = gumbel_softmax(expr::variable(x, gx), 0.05);
    const Arr y = node.forward();
    CHECK(y.allFinite());
    CHECK(y(1, 2) == doctest::Approx(1.0));
    node.backward(Arr::Ones());
    CHECK(gx.allFinite());
}

TEST_CASE("an invalid temperature is rejected with its value") {
    Arr x = Arr::Zero();
    double tau = 0;
    auto node = gumbel_softmax(expr::constant(x), std::cref(tau));
    CHECK_THROWS_WITH_AS(node.forward(), "nais: gumbel_softmax: temperature tau must be finite and > 0, got 0",
                         nais::invalid_argument);
    tau = std::nan("");
    CHECK_THROWS_AS(node.forward(), nais::invalid_argument);
}
