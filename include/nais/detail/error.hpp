#pragma once
#include <nais/detail/prologue.hpp>

#include <Eigen/Core>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace nais {

/// Thrown for invalid runtime input: sizes, parameters, NaN/inf values, malformed spaces.
/// The message names what was wrong and where, e.g. "nais: theta(3,2) is NaN".
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Thrown when a resource budget cannot be met by any design of the space (so a search
/// stops before it starts instead of chasing an impossible constraint).
class infeasible_budget : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {

/// A message on one printable line: control characters (a newline in a user's layer name, say)
/// become '?', and past 2000 characters it is cut with "...".
inline std::string one_line(std::string m) {
    for (char& c : m)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    if (m.size() > 2000) {  // resize + append: GCC 12 at -O3 misreads substr(...) + "..." (bug 105329)
        m.resize(2000);
        m.append("...");
    }
    return m;
}

template <class... Parts>
[[noreturn]] inline void fail(const Parts&... parts) {
    std::ostringstream os;
    os << "nais: ";
    (os << ... << parts);
    throw invalid_argument(one_line(os.str()));
}

/// An exception's message without nais's "nais: " prefix (to pass it on under another prefix).
inline std::string message_of(const std::exception& e) {
    std::string m = e.what();
    if (m.rfind("nais: ", 0) == 0)
        m.erase(0, 6);
    return m;
}

template <class... Parts>
inline void require(bool ok, const Parts&... parts) {
    if (!ok) [[unlikely]]
        fail(parts...);
}

inline const char* describe_non_finite(double v) { return std::isnan(v) ? "NaN" : "infinite"; }

/// Checks every entry of an Eigen array/matrix is finite; names the first bad entry.
/// `what` is the user's name for the array (e.g. "theta"); indices are (row,col) for 2-D
/// arrays and (i) for vectors.
template <class A>
void require_finite(const A& a, const char* what, const char* suffix = "") {
    // 0 * x is NaN exactly for NaN and infinite x, and a NaN poisons the sum: one vectorised
    // pass (allFinite() cost 6% of a pipelined evaluation)
    if (std::isfinite(static_cast<double>((a * typename A::Scalar(0)).sum()))) [[likely]]
        return;
    for (Eigen::Index c = 0; c < a.cols(); ++c)
        for (Eigen::Index r = 0; r < a.rows(); ++r) {
            const double v = static_cast<double>(a(r, c));
            if (!std::isfinite(v)) {
                if (a.cols() == 1)
                    fail(what, suffix, "(", r, ") is ", describe_non_finite(v));
                fail(what, suffix, "(", r, ",", c, ") is ", describe_non_finite(v));
            }
        }
}

template <class A>
void require_shape(const A& a, Eigen::Index rows, Eigen::Index cols, const char* what) {
    require(a.rows() == rows && a.cols() == cols, what, " must be ", rows, " x ", cols, ", got ",
            a.rows(), " x ", a.cols());
}

}  // namespace detail
}  // namespace nais
