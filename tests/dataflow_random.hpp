// Random small layers, three-level architectures and mappings for the dataflow tests.
#pragma once
#include <nais/dataflow.hpp>

#include <algorithm>
#include <random>
#include <vector>

namespace dataflow_random {

using namespace nais::dataflow;

/// Splits n into `parts` factors (each a divisor of what is left), at random.
inline std::vector<std::int64_t> split(std::int64_t n, int parts, std::mt19937& rng) {
    std::vector<std::int64_t> f(std::size_t(parts), 1);
    for (int k = 0; k + 1 < parts; ++k) {
        std::vector<std::int64_t> divs;
        for (std::int64_t d = 1; d <= n; ++d)
            if (n % d == 0)
                divs.push_back(d);
        f[std::size_t(k)] = divs[std::uniform_int_distribution<std::size_t>(0, divs.size() - 1)(rng)];
        n /= f[std::size_t(k)];
    }
    f.back() = n;
    std::shuffle(f.begin(), f.end(), rng);
    return f;
}

/// A small layer (strides up to 2, groups up to 2).
inline layer small_layer(std::mt19937& rng) {
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    layer l;
    l.groups = pick(1, 2);
    l.N = pick(1, 2);
    l.M = l.groups * pick(1, 4);
    l.C = l.groups * pick(1, 3);
    l.P = pick(1, 4);
    l.Q = pick(1, 3);
    l.R = pick(1, 3);
    l.S = pick(1, 2);
    l.stride_h = pick(1, 2);
    l.stride_w = pick(1, 2);
    return l;
}

/// DRAM, a global buffer, an X x Y array of register files, one MAC per register file (or two).
inline architecture small_arch(std::int64_t x, std::int64_t y, std::int64_t macs_per_pe = 1) {
    architecture a;
    a.levels.push_back({"DRAM", 0, 1, 0, 16, 200, 200, 0, 0, 0});
    a.levels.push_back({"GlobalBuffer", 0, 1, 0, 16, 6, 6, 0, 0, 2});
    a.levels.push_back({"RegisterFile", 0, x * y, x, 16, 1, 1, 0, 0, 0});
    a.mac = {1, 0, x * y * macs_per_pe, x * macs_per_pe};
    return a;
}

/// A random mapping of l on small_arch(4, 4, 2): factors split over DRAM, buffer, the 4 x 4
/// array, the register files and the 2 MACs per PE, in random orders; random bypass below DRAM.
inline mapping random_mapping(const layer& l, std::mt19937& rng) {
    mapping m;
    m.levels.resize(3);
    const extents b = l.bounds();
    std::int64_t room_x = 4, room_y = 4, room_mac = 2;
    for (int d = 0; d < num_dims; ++d) {
        const auto f = split(b[std::size_t(d)], 6, rng);
        m.levels[0].temporal.push_back({dim(d), f[0]});
        m.levels[1].temporal.push_back({dim(d), f[1]});
        m.levels[2].temporal.push_back({dim(d), f[2] * f[5]});
        auto place = [&](std::int64_t factor, std::int64_t& room, std::vector<spatial_loop>& where, bool y) {
            if (factor > 1 && factor <= room) {
                where.push_back({dim(d), factor, y});
                room /= factor;
                return std::int64_t(1);
            }
            return factor;
        };
        std::int64_t left = place(f[3], room_x, m.levels[1].spatial, false);
        left *= place(f[4], room_y, m.levels[1].spatial, true);
        if (left > 1)
            left = place(left, room_mac, m.levels[2].spatial, false);
        m.levels[2].temporal.back().factor *= left;
    }
    for (auto& lm : m.levels)
        std::shuffle(lm.temporal.begin(), lm.temporal.end(), rng);
    for (int i = 1; i < 3; ++i)
        for (int o = 0; o < num_operands; ++o)
            m.levels[std::size_t(i)].keep[std::size_t(o)] = std::uniform_int_distribution<int>(0, 2)(rng) > 0;
    return m;
}

}  // namespace dataflow_random
