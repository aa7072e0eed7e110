#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace nais::sweep {

/// A streaming Pareto front over two or three objectives, all minimised, on exact integer
/// (fixed-point) values. Only non-dominated points are kept, so memory follows the front, not
/// the number of points offered. Equal objective vectors keep the smallest point index, so the
/// front is the same whatever order points arrive in (and however a sweep is split over threads).
class pareto_front {
public:
    using values = std::array<std::int64_t, 3>;
    struct entry {
        values v;
        std::uint64_t index;
    };

    explicit pareto_front(int dimensions) : dims_(dimensions) {
        detail::require(dimensions == 2 || dimensions == 3, "pareto_front: 2 or 3 objectives, got ", dimensions);
    }

    int dimensions() const noexcept { return dims_; }

    /// Offers a point; returns true if it joined the front.
    bool offer(const values& v, std::uint64_t index) {
        return dims_ == 2 ? offer2(v, index) : offer3(v, index);
    }

    void merge(const pareto_front& other) {
        for (const entry& e : other.entries_)
            offer(e.v, e.index);
    }

    /// The front; in two dimensions sorted by the first objective (the second then falls).
    const std::vector<entry>& entries() const noexcept { return entries_; }
    /// The front sorted by objectives, then index (a canonical order for any dimension).
    std::vector<entry> sorted() const {
        std::vector<entry> out = entries_;
        std::sort(out.begin(), out.end(),
                  [](const entry& a, const entry& b) { return a.v != b.v ? a.v < b.v : a.index < b.index; });
        return out;
    }

private:
    // 2-D: entries_ sorted by v[0] ascending with v[1] strictly descending.
    bool offer2(const values& v, std::uint64_t index) {
        auto after = std::upper_bound(entries_.begin(), entries_.end(), v[0],
                                      [](std::int64_t x, const entry& e) { return x < e.v[0]; });
        if (after != entries_.begin()) {
            entry& prev = *(after - 1);  // the least v[1] among entries with v[0] <= v's
            if (prev.v[1] <= v[1]) {
                if (prev.v[0] == v[0] && prev.v[1] == v[1] && index < prev.index)
                    prev.index = index;  // equal point: keep the smaller index
                return false;
            }
        }
        // v joins; entries from `pos` on with v[1] >= v's are dominated by it
        auto pos = std::lower_bound(entries_.begin(), entries_.end(), v[0],
                                    [](const entry& e, std::int64_t x) { return e.v[0] < x; });
        auto end = pos;
        while (end != entries_.end() && end->v[1] >= v[1])
            ++end;
        if (end != pos) {
            *pos = {v, index};
            entries_.erase(pos + 1, end);
        } else {
            entries_.insert(pos, {v, index});
        }
        return true;
    }

    static bool dominates(const values& a, const values& b) {  // a <= b everywhere
        return a[0] <= b[0] && a[1] <= b[1] && a[2] <= b[2];
    }

    bool offer3(const values& v, std::uint64_t index) {
        for (entry& e : entries_)
            if (dominates(e.v, v)) {
                if (e.v == v && index < e.index)
                    e.index = index;
                return false;
            }
        std::erase_if(entries_, [&](const entry& e) { return dominates(v, e.v); });
        entries_.push_back({v, index});
        return true;
    }

    int dims_;
    std::vector<entry> entries_;
};

}  // namespace nais::sweep
