#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/tiled/template_model.hpp>
#include <nais/device/tiled/workloads.hpp>

#include <algorithm>
#include <functional>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

// The exact design search of the tiled template: the design of least latency for a (compressed)
// network within the device's DSPs, BRAM and port bits, over the whole space of the template:
// every Tm, Tn >= 1, Tr in [1, max rows], Tc in [1, max columns], W_p, I_p, O_p >= 1 with
// word_bits (W_p + I_p + O_p) <= port_bits, and Tk the largest kernel (a smaller Tk cannot run
// the network, a larger one only adds BRAM).
//
// Why the candidate sets below lose nothing (tests/test_tiled_search.cpp checks against brute
// force): the model sees Tm only through ceil(X/Tm) and min(Tm, X) for the layers' sizes X, and
// through Tm itself in the resources (and compat tW), all monotone. For any Tm, the value
// Tm' = max_X ceil(X / ceil(X/Tm)) <= Tm keeps every ceil(X/Tm) and lowers every min, so its
// latency and resources are no larger; Tm' has the form ceil(X/k). Likewise Tn, Tr, Tc. The
// latency falls as any port widens, so the ports fill the port bits exactly.
//
// The search: for each (Tm, Tn), a lower bound with the best tile factors and the ports'
// combined width (max(A/I, B/W, D/O) >= (A+B+D)/(I+W+O)); pairs in order of that bound, stopping
// once it reaches the best latency found; then per (Tr, Tc) the same bound with its own
// factors; then every port split, each summed layer by layer with an early exit.
namespace nais::tiled {

/// Outcome of a design search.
struct design_search_result {
    bool found = false;              ///< some design of the space fits the device
    design best;
    double cycles = 0, ms = 0;
    tiled::resources used;
    double designs_in_space = 0;     ///< designs of the whole space (before any reduction)
    std::int64_t candidate_tiles = 0;   ///< (Tm, Tn, Tr, Tc) after the candidate reduction
    std::int64_t tiles_bounded = 0;     ///< of those, skipped by a bound or a resource limit
    std::int64_t port_splits_evaluated = 0;
};

namespace detail {

/// {ceil(X/k) : X in xs, k >= 1} in ascending order: the tile values the search needs.
inline std::vector<int> tile_candidates(const std::vector<std::int64_t>& xs, std::int64_t cap) {
    std::vector<int> v{1};
    for (std::int64_t x : xs)
        for (std::int64_t k = 1; k <= x; ++k) {
            const std::int64_t t = (x + k - 1) / k;
            if (t <= cap)
                v.push_back(static_cast<int>(t));
        }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

/// The largest useful Tr and Tc: the layers' output rows and columns (plus padding in compat
/// mode, whose tComp reads min(Tr, R + 2P)); larger values change nothing.
inline std::pair<std::int64_t, std::int64_t> tile_extent(const std::vector<workload>& layers, mode m) {
    std::int64_t rows = 1, cols = 1;
    for (const workload& l : layers) {
        rows = std::max(rows, l.R + (m == mode::hotnas_compatible ? 2 * l.P_h : 0));
        cols = std::max(cols, l.C + (m == mode::hotnas_compatible ? 2 * l.P_w : 0));
    }
    return {rows, cols};
}

/// One layer's terms split by the variable they depend on, so the search multiplies
/// precomputed factors: tI = chan_i row_i col_i / ports_i, tW = chan_w / ports_w, tComp =
/// row_c col_c, tO = chan_o row_o col_o / ports_o, tiles = base ceil(M/Tm) ceil(R/Tr)
/// ceil(C/Tc). factor_check() in the tests rebuilds timing()'s cycles from these.
struct row_factors {
    double count = 1, c = 1, i = 1, o = 1;  // ceil(R/Tr); compute, input and output rows
};
struct channel_factors {
    double count = 1, rounds = 1, i = 1, w = 1, o = 1;  // ceil(M/Tm), ceil(N/Tn); channels
};

inline row_factors rows_of(const workload& l, int T, bool columns, mode m) {
    const std::int64_t X = columns ? l.C : l.R, In = columns ? l.W : l.H;
    const int K = columns ? l.K_w : l.K_h, S = columns ? l.S_w : l.S_h, P = columns ? l.P_w : l.P_h;
    row_factors f;
    f.count = std::ceil(double(X) / T);
    const double t = std::min<double>(T, double(X));
    if (m == mode::hotnas_compatible) {
        f.c = std::ceil(std::min<double>(T, double(X + 2 * P)) / S);
        f.i = t;
        f.o = std::ceil(t / S);
    } else {
        f.c = t;
        f.i = std::min((t - 1) * S + K, double(In));
        f.o = t;
    }
    return f;
}

inline channel_factors channels_of(const workload& l, int Tm, int Tn, mode m) {
    channel_factors f;
    const double KK = double(l.K_h) * l.K_w;
    f.count = std::ceil(double(l.M) / Tm);
    if (m == mode::hotnas_compatible) {
        const double tn = l.depthwise ? Tm : Tn;
        f.rounds = std::ceil(double(l.N) / tn);
        f.i = std::min<double>(tn, double(l.N));
        f.w = (l.depthwise ? double(Tm) : double(Tm) * tn) * KK;
        f.o = std::min<double>(Tm, double(l.M));
    } else {
        const double tm = std::min<double>(Tm, double(l.M)), tn = l.depthwise ? 1 : std::min<double>(Tn, double(l.N));
        f.rounds = l.depthwise ? 1 : std::ceil(double(l.N) / Tn);
        f.i = l.depthwise ? tm : tn;
        f.w = tm * tn * KK;
        f.o = tm;
    }
    return f;
}

/// The result with its optimum's cycles, ms and resources from evaluate().
inline design_search_result with_evaluation(design_search_result out, const std::vector<workload>& layers, const device& dev,
                                            const precision& p, mode m) {
    if (out.found) {
        const network_report rep = evaluate(layers, out.best, dev, p, m);
        out.cycles = rep.cycles;
        out.ms = rep.ms;
        out.used = rep.used;
    }
    return out;
}

/// Per-layer constants of the search.
struct layer_constants {
    double base = 1;     // B groups
    double kept = 1;     // kept weights per kernel
    int weight_bits = 16;
};

}  // namespace detail

/// Progress of a long computation: (done, total) steps, called from the computing thread.
using progress_callback = std::function<void(std::uint64_t done, std::uint64_t total)>;

/// The design of least latency (exact; see the file comment). `mode` picks the latency model;
/// the device's limits (BRAM only if device::check_bram) bound the space. `progress`, if set,
/// hears of every (Tm, Tn) pair examined, in the bound's order (the search may stop early).
inline design_search_result search_design(const std::vector<workload>& layers, const device& dev = {},
                                          const precision& p = {}, mode m = mode::hardware,
                                          const progress_callback& progress = {}) {
    using nais::detail::require;
    validate(dev);
    validate(p, dev);
    require(!layers.empty(), "fpga-tiled: the design search needs at least one layer");
    const int port_words = dev.port_bits / dev.word_bits;
    require(port_words >= 3, "fpga-tiled: the device's ", dev.port_bits, " port bits hold fewer than 3 words of ",
            dev.word_bits, " bits (one per port)");
    const int Tk = largest_kernel(layers);
    design probe;
    probe.Tk = Tk;
    for (const workload& l : layers)
        validate(l, probe, dev);

    // candidate values (see the file comment) and the size of the whole space
    std::vector<std::int64_t> xm, xn, xr, xc;
    const auto [max_rows, max_cols] = detail::tile_extent(layers, m);
    for (const workload& l : layers) {
        xm.push_back(l.M);
        if (!l.depthwise)
            xn.push_back(l.N);
        else if (m == mode::hotnas_compatible)
            xm.push_back(l.N);  // the public dconv sets Tn = Tm
        xr.push_back(l.R);
        xc.push_back(l.C);
        if (m == mode::hotnas_compatible) {
            xr.push_back(l.R + 2 * l.P_h);
            xc.push_back(l.C + 2 * l.P_w);
        }
    }
    const std::int64_t multipliers = dev.dsp / dev.dsp_per_multiplier;
    const std::vector<int> cand_m = detail::tile_candidates(xm, multipliers), cand_n = detail::tile_candidates(xn, multipliers),
                           cand_r = detail::tile_candidates(xr, max_rows), cand_c = detail::tile_candidates(xc, max_cols);

    design_search_result out;
    {
        double pairs = 0;  // Tm Tn <= multipliers
        for (std::int64_t tm = 1; tm <= multipliers; ++tm)
            pairs += double(multipliers / tm);
        const double w = port_words;
        out.designs_in_space = pairs * double(max_rows) * double(max_cols) * (w * (w - 1) * (w - 2) / 6);  // ports: sum <= w
    }

    // per-layer factor tables
    const std::size_t L = layers.size();
    std::vector<detail::layer_constants> lc(L);
    std::vector<std::vector<detail::row_factors>> rf(L), cf(L);
    for (std::size_t l = 0; l < L; ++l) {
        lc[l].base = double(layers[l].B) * double(layers[l].groups);
        lc[l].kept = layers[l].kept_weights();
        lc[l].weight_bits = layers[l].weight_bits > 0 ? layers[l].weight_bits : p.weights;
        for (int t : cand_r)
            rf[l].push_back(detail::rows_of(layers[l], t, false, m));
        for (int t : cand_c)
            cf[l].push_back(detail::rows_of(layers[l], t, true, m));
    }
    // ports packing: words per cycle of a port of w words for b-bit values (the model's packed())
    detail::exact_ops exact;
    const auto pack = [&](int w, int bits) { return detail::packed(double(w), dev.word_bits, bits, exact); };
    const bool packs_activations = m == mode::hardware;
    const double act_share = packs_activations ? double(p.activations) / dev.word_bits : 1.0;
    // BRAM of (Tm, Tn, Tr, Tc) by the model's own formula (ports take no BRAM)
    const auto over_bram = [&](int tm, int tn, int tr, int tc) {
        return dev.check_bram && resources_of(design{tm, tn, tr, tc, Tk, 1, 1, 1}, dev).bram > dev.bram;
    };

    // (Tm, Tn) pairs within the DSPs and BRAM, with their bound at the best tile factors
    struct pair_bound {
        int Tm, Tn;
        double bound;
    };
    // per layer, the smallest count x factor over every Tr (rows) and Tc (columns): compute,
    // input and output
    struct least_factors {
        double c = std::numeric_limits<double>::infinity(), i = std::numeric_limits<double>::infinity(),
               o = std::numeric_limits<double>::infinity();
    };
    std::vector<least_factors> least_r(L), least_c(L);
    for (std::size_t l = 0; l < L; ++l) {
        for (const auto& f : rf[l])
            least_r[l] = {std::min(least_r[l].c, f.count * f.c), std::min(least_r[l].i, f.count * f.i),
                          std::min(least_r[l].o, f.count * f.o)};
        for (const auto& f : cf[l])
            least_c[l] = {std::min(least_c[l].c, f.count * f.c), std::min(least_c[l].i, f.count * f.i),
                          std::min(least_c[l].o, f.count * f.o)};
    }
    std::vector<pair_bound> pairs;
    std::vector<std::vector<detail::channel_factors>> chan;  // per pair, per layer
    for (int tm : cand_m)
        for (int tn : cand_n) {
            if (std::int64_t{dev.dsp_per_multiplier} * tm * tn > dev.dsp)
                break;
            if (over_bram(tm, tn, 1, 1))  // the smallest tile takes the fewest banks
                break;
            std::vector<detail::channel_factors> ch(L);
            double bound = 0;
            for (std::size_t l = 0; l < L; ++l) {
                ch[l] = detail::channels_of(layers[l], tm, tn, m);
                const auto& c = ch[l];
                const double scale = lc[l].base * c.count;  // tiles = scale ceil(R/Tr) ceil(C/Tc) >= scale
                const double compute = c.rounds * lc[l].kept * least_r[l].c * least_c[l].c;
                const double words = c.rounds * (c.i * act_share * least_r[l].i * least_c[l].i +
                                                 c.w * lc[l].weight_bits / dev.word_bits) +
                                     c.o * act_share * least_r[l].o * least_c[l].o;
                bound += scale * std::max(compute, words / port_words);
            }
            pairs.push_back({tm, tn, bound});
            chan.push_back(std::move(ch));
        }
    std::vector<std::size_t> order(pairs.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return pairs[a].bound < pairs[b].bound; });

    double best = std::numeric_limits<double>::infinity();
    std::vector<double> ti(L), tw(L), tc(L), to(L), tiles(L), rounds(L);
    std::uint64_t examined = 0;
    for (std::size_t k : order) {
        const pair_bound& pb = pairs[k];
        if (progress)
            progress(examined++, order.size());
        if (pb.bound >= best)
            break;
        const auto& ch = chan[k];
        for (std::size_t r = 0; r < cand_r.size(); ++r)
            for (std::size_t c = 0; c < cand_c.size(); ++c) {
                ++out.candidate_tiles;
                if (over_bram(pb.Tm, pb.Tn, cand_r[r], cand_c[c])) {
                    ++out.tiles_bounded;
                    break;  // larger Tc only needs more banks
                }
                // the layers' terms at one port word each, and the (Tr, Tc) bound
                double bound = 0;
                for (std::size_t l = 0; l < L; ++l) {
                    const auto& R = rf[l][r];
                    const auto& C = cf[l][c];
                    tiles[l] = lc[l].base * ch[l].count * R.count * C.count;
                    rounds[l] = ch[l].rounds;
                    ti[l] = ch[l].i * R.i * C.i;                        // words
                    tw[l] = ch[l].w;                                    // words (weights at full width)
                    to[l] = ch[l].o * R.o * C.o;                        // words
                    tc[l] = lc[l].kept * R.c * C.c;                     // cycles
                    const double words = rounds[l] * (ti[l] * act_share + tw[l] * lc[l].weight_bits / dev.word_bits) +
                                         to[l] * act_share;
                    bound += tiles[l] * std::max(rounds[l] * tc[l], words / port_words);
                }
                if (bound >= best) {
                    ++out.tiles_bounded;
                    continue;
                }
                for (int ip = 1; ip <= port_words - 2; ++ip)
                    for (int wp = 1; wp <= port_words - 1 - ip; ++wp) {
                        const int op = port_words - ip - wp;
                        ++out.port_splits_evaluated;
                        const double pi = packs_activations ? pack(ip, p.activations) : ip;
                        const double po = packs_activations ? pack(op, p.activations) : op;
                        double total = 0;
                        for (std::size_t l = 0; l < L && total < best; ++l) {
                            const double lat1 = std::max({ti[l] / pi, tw[l] / pack(wp, lc[l].weight_bits), tc[l]});
                            total += tiles[l] * std::max(rounds[l] * lat1, to[l] / po);
                        }
                        if (total < best) {
                            best = total;
                            out.found = true;
                            out.best = {pb.Tm, pb.Tn, cand_r[r], cand_c[c], Tk, wp, ip, op};
                        }
                    }
            }
    }
    if (progress)
        progress(order.size(), order.size());
    return detail::with_evaluation(std::move(out), layers, dev, p, m);  // the one formula, on the optimum
}

/// Every design of the whole space evaluated with evaluate() (the tests' reference on small
/// networks and devices; ports with any sum up to the port bits).
inline design_search_result brute_force_design(const std::vector<workload>& layers, const device& dev = {},
                                               const precision& p = {}, mode m = mode::hardware) {
    const int Tk = largest_kernel(layers), port_words = dev.port_bits / dev.word_bits;
    const auto [max_rows, max_cols] = detail::tile_extent(layers, m);
    design_search_result out;
    double best = std::numeric_limits<double>::infinity();
    const int multipliers = dev.dsp / dev.dsp_per_multiplier;
    for (int tm = 1; tm <= multipliers; ++tm)
        for (int tn = 1; tm * tn <= multipliers; ++tn)
            for (int tr = 1; tr <= max_rows; ++tr)
                for (int tcc = 1; tcc <= max_cols; ++tcc)
                    for (int ip = 1; ip <= port_words; ++ip)
                        for (int wp = 1; ip + wp <= port_words; ++wp)
                            for (int op = 1; ip + wp + op <= port_words; ++op) {
                                const design d{tm, tn, tr, tcc, Tk, wp, ip, op};
                                out.designs_in_space += 1;
                                if (!violation_of(resources_of(d, dev), dev).empty())
                                    continue;
                                double total = 0;
                                for (const workload& l : layers)
                                    total += layer_cycles(l, d, dev, p, m);
                                if (total < best) {
                                    best = total;
                                    out.found = true;
                                    out.best = d;
                                }
                            }
    return detail::with_evaluation(std::move(out), layers, dev, p, m);
}

}  // namespace nais::tiled
