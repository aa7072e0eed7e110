#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

// How well predicted latencies match measured ones: MAPE, the share within +-10%, Kendall's
// tau-b and Spearman's rho (both with ties: integer-millisecond measurements tie often).
namespace nais::calibrated {

struct agreement {
    double mape = 0;      ///< mean |predicted - measured| / measured, in %
    double within10 = 0;  ///< share of networks within +-10%, in %
    double kendall = 0;   ///< tau-b
    double spearman = 0;  ///< Pearson's r of the average ranks
    int networks = 0;
};

namespace detail {

/// Average ranks (ties share the mean of their positions), 1-based.
inline std::vector<double> average_ranks(const std::vector<double>& v) {
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t k = 0; k < idx.size();) {
        std::size_t e = k;
        while (e + 1 < idx.size() && v[idx[e + 1]] == v[idx[k]])
            ++e;
        const double rank = 0.5 * double(k + e) + 1;
        for (std::size_t t = k; t <= e; ++t)
            r[idx[t]] = rank;
        k = e + 1;
    }
    return r;
}

inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = double(a.size());
    const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        sab += (a[k] - ma) * (b[k] - mb);
        saa += (a[k] - ma) * (a[k] - ma);
        sbb += (b[k] - mb) * (b[k] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

}  // namespace detail

/// Kendall's tau-b of two equally long lists (O(n^2); n up to a few thousand).
inline double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
    nais::detail::require(a.size() == b.size() && a.size() >= 2, "kendall_tau: needs two equally long lists of 2 or more");
    double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = i + 1; j < a.size(); ++j) {
            const double da = a[i] - a[j], db = b[i] - b[j];
            if (da == 0 && db == 0)
                continue;
            if (da == 0)
                ++ties_a;
            else if (db == 0)
                ++ties_b;
            else if ((da > 0) == (db > 0))
                ++concordant;
            else
                ++discordant;
        }
    const double d = std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
    return d > 0 ? (concordant - discordant) / d : 0.0;
}

inline double spearman_rho(const std::vector<double>& a, const std::vector<double>& b) {
    nais::detail::require(a.size() == b.size() && a.size() >= 2, "spearman_rho: needs two equally long lists of 2 or more");
    return detail::pearson(detail::average_ranks(a), detail::average_ranks(b));
}

/// Every figure of predicted against measured latencies.
inline agreement compare(const std::vector<double>& predicted, const std::vector<double>& measured) {
    nais::detail::require(predicted.size() == measured.size() && measured.size() >= 2,
                          "calibrated::compare: needs equally long lists of 2 or more latencies");
    agreement g;
    g.networks = int(measured.size());
    for (std::size_t k = 0; k < measured.size(); ++k) {
        nais::detail::require(measured[k] > 0, "calibrated::compare: measured latency ", k, " is not > 0");
        const double rel = std::abs(predicted[k] - measured[k]) / measured[k];
        g.mape += rel;
        g.within10 += rel <= 0.1;
    }
    g.mape *= 100.0 / double(measured.size());
    g.within10 *= 100.0 / double(measured.size());
    g.kendall = kendall_tau(predicted, measured);
    g.spearman = spearman_rho(predicted, measured);
    return g;
}

}  // namespace nais::calibrated
