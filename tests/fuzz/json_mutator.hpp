// A structure-aware mutator for JSON inputs (libFuzzer's LLVMFuzzerCustomMutator): when the input
// parses, one random node is changed the way a user gets a spec wrong (a number made extreme,
// negative, fractional or huge; a value of another type; an array entry dropped or repeated; a
// key removed, renamed or duplicated under another; an empty container), and the document is
// written back; otherwise (and one time in four) libFuzzer's byte mutation runs. Plain byte
// mutation rarely keeps a spec parseable, so it stalls at the parser; this mutator reaches the
// readers' semantic checks.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace nais_fuzz {

using json = nlohmann::json;

inline void collect(json& j, std::vector<json*>& out) {
    out.push_back(&j);
    if (j.is_array() || j.is_object())
        for (auto& x : j)
            collect(x, out);
}

inline json extreme_number(std::mt19937& rng) {
    static const double reals[] = {0.0, -0.0, 1e-320, 1e308, -1e308, 0.5, -1.0, 1e18, 3.3e9, 255.5};
    static const long long ints[] = {0, -1, 1, 2, 3, 7, 64, 4095, 4096, 1000000000, 1000000001, 2147483647,
                                     -2147483648LL, 9223372036854775807LL};
    if (rng() % 2)
        return reals[rng() % (sizeof reals / sizeof *reals)];
    return ints[rng() % (sizeof ints / sizeof *ints)];
}

inline void mutate_node(json& root, std::mt19937& rng) {
    std::vector<json*> nodes;
    collect(root, nodes);
    json& n = *nodes[rng() % nodes.size()];
    switch (rng() % 9) {
    case 0:
        n = extreme_number(rng);
        break;
    case 1:  // another type
        switch (rng() % 5) {
        case 0: n = nullptr; break;
        case 1: n = "x"; break;
        case 2: n = json::array(); break;
        case 3: n = json::object(); break;
        default: n = true; break;
        }
        break;
    case 2:
        if (n.is_array() && !n.empty())
            n.erase(n.begin() + static_cast<std::ptrdiff_t>(rng() % n.size()));
        break;
    case 3:
        if (n.is_array() && !n.empty() && n.size() < 64)
            n.push_back(n[rng() % n.size()]);
        break;
    case 4:
        if (n.is_object() && !n.empty()) {
            auto it = n.begin();
            std::advance(it, static_cast<std::ptrdiff_t>(rng() % n.size()));
            n.erase(it.key());
        }
        break;
    case 5:  // a key under another name (a typo), or a copy of a value under another key
        if (n.is_object() && !n.empty()) {
            auto it = n.begin();
            std::advance(it, static_cast<std::ptrdiff_t>(rng() % n.size()));
            std::string k = it.key().empty() ? std::string("x") : it.key();
            k[rng() % k.size()] = static_cast<char>('a' + rng() % 26);
            n[k] = it.value();
        }
        break;
    case 6:
        if (n.is_number())
            n = n.get<double>() * (rng() % 2 ? -1.0 : 1e6);
        break;
    case 7:
        if (n.is_number_integer())
            n = static_cast<long long>(static_cast<unsigned long long>(n.get<long long>()) + rng() % 5 - 2);  // wraps
        break;
    default:  // a subtree copied over another node
        n = *nodes[rng() % nodes.size()];
        break;
    }
}

/// The body of LLVMFuzzerCustomMutator.
inline size_t mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
    std::mt19937 rng(seed);
    if (rng() % 4 != 0) {
        json doc = json::parse(data, data + size, nullptr, false);
        if (!doc.is_discarded()) {
            const int rounds = 1 + static_cast<int>(rng() % 3);
            for (int k = 0; k < rounds; ++k)
                mutate_node(doc, rng);
            // a renamed key may split a multi-byte character: write such bytes as U+FFFD
            const std::string out = doc.dump(-1, ' ', false, json::error_handler_t::replace);
            if (out.size() <= max_size) {
                std::memcpy(data, out.data(), out.size());
                return out.size();
            }
        }
    }
    return LLVMFuzzerMutate(data, size, max_size);
}

}  // namespace nais_fuzz

#define NAIS_FUZZ_JSON_MUTATOR                                                                          \
    extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) { \
        return nais_fuzz::mutate(data, size, max_size, seed);                                         \
    }
