#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/calibrated/features.hpp>
#include <nais/device/calibrated/measurements.hpp>
#include <nais/network/space_layers.hpp>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

// The fit of a calibrated latency model to measured whole networks (docs/devices/calibrated.md):
//
//   latency(network) = intercept + sum_k w_k x_k(network) + sum_s d_s n_s(network)
//
// with x_k the network's analytic features (features.hpp, summed over its layers), w_k >= 0, and
// d_s a residual per distinct op signature s (net::op_signature: the op's layers and shapes) that
// n_s(network) times. Three stages, all in relative error (each network weighed by
// 1 / latency, so that small and large networks count alike; integer-millisecond measurements are
// just noisier rows), every penalty chosen by k-fold cross-validation on the training rows
// (folds by row index: deterministic):
//   1. the coarse model: one weight per feature group (MACs, layers, words) and an intercept,
//      non-negative least squares;
//   2. the fine model: w >= 0 by non-negative least squares with a ridge penalty, fitted twice,
//      once shrunk towards zero (each feature earns its weight) and once towards the coarse
//      model (each feature starts at its group's weight), and the two averaged;
//   3. the residuals d by ridge regression shrunk towards zero, on what stage 2 leaves.
// With few measurements the penalties are large and the model is the analytic structure; as data
// grows they fall and the residuals make it a per-signature table, which a per-(block, op) table
// of the same data cannot beat (it has more parameters for the same information).
namespace nais::calibrated {

/// The penalties cross-validation chooses from, and the folds.
struct fit_options {
    int folds = 5;
    std::vector<double> coarse_ridge{1e-6, 1e-4, 1e-2, 1};
    std::vector<double> ridge{1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
    std::vector<double> residual_ridge{1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3, 1e4};
    bool residual = true;  ///< stage 3 (false: the analytic model alone)
};

/// A fitted model: what predicts a network's latency, independent of any space object (it is
/// saved and loaded as a document); `calibration` binds it to a space.
struct fitted_model {
    features weights{};                    ///< ms per unit of each feature
    double intercept = 0;                  ///< ms per network
    std::vector<std::string> signatures;   ///< the residuals' op signatures
    std::vector<double> residual;          ///< ms per use of each signature
    // how it was fitted
    std::array<double, group_count> group_weights{};  ///< the coarse model's weights
    double group_intercept = 0;
    double coarse_ridge = 0, ridge_zero = 0, ridge_group = 0, residual_ridge = 0;
    int rows = 0;
};

namespace detail {

using matrix = Eigen::MatrixXd;
using vector = Eigen::VectorXd;

/// min ||A x - b|| subject to x >= 0 (Lawson and Hanson's active-set NNLS).
inline vector nnls(const matrix& A, const vector& b, int max_iterations = 0) {
    const Eigen::Index n = A.cols();
    vector x = vector::Zero(n);
    std::vector<char> passive(std::size_t(n), 0);
    const double tol = 1e-10 * std::max(1.0, A.cwiseAbs().maxCoeff()) * std::max(1.0, b.cwiseAbs().maxCoeff());
    const int limit = max_iterations > 0 ? max_iterations : int(30 * n + 30);
    for (int it = 0; it < limit; ++it) {
        const vector w = A.transpose() * (b - A * x);
        Eigen::Index best = -1;
        for (Eigen::Index j = 0; j < n; ++j)
            if (!passive[std::size_t(j)] && w(j) > tol && (best < 0 || w(j) > w(best)))
                best = j;
        if (best < 0)
            break;
        passive[std::size_t(best)] = 1;
        for (int inner = 0; inner < limit; ++inner) {
            std::vector<Eigen::Index> p;
            for (Eigen::Index j = 0; j < n; ++j)
                if (passive[std::size_t(j)])
                    p.push_back(j);
            matrix Ap(A.rows(), Eigen::Index(p.size()));
            for (std::size_t k = 0; k < p.size(); ++k)
                Ap.col(Eigen::Index(k)) = A.col(p[k]);
            const vector z = Ap.colPivHouseholderQr().solve(b);
            bool feasible = true;
            for (Eigen::Index k = 0; k < z.size(); ++k)
                feasible = feasible && z(k) > 0;
            if (feasible) {
                x.setZero();
                for (std::size_t k = 0; k < p.size(); ++k)
                    x(p[k]) = z(Eigen::Index(k));
                break;
            }
            double alpha = 1;  // step back to the boundary
            for (std::size_t k = 0; k < p.size(); ++k)
                if (z(Eigen::Index(k)) <= 0)
                    alpha = std::min(alpha, x(p[k]) / (x(p[k]) - z(Eigen::Index(k))));
            for (std::size_t k = 0; k < p.size(); ++k)
                x(p[k]) += alpha * (z(Eigen::Index(k)) - x(p[k]));
            for (std::size_t k = 0; k < p.size(); ++k)
                if (x(p[k]) <= 1e-15) {
                    x(p[k]) = 0;
                    passive[std::size_t(p[k])] = 0;
                }
        }
    }
    return x;
}

/// Non-negative ridge in relative error: min sum_j ((X_j c - y_j) / y_j)^2 + lambda ||(c - prior) * scale||^2,
/// c >= 0, over the rows `rows` (every row when empty); columns scaled by `scale` first.
inline vector nonneg_ridge(const matrix& X, const vector& y, const std::vector<int>& rows, double lambda, const vector& scale,
                           const vector& prior) {
    const Eigen::Index p = X.cols(), n = Eigen::Index(rows.size());
    matrix A(n + p, p);
    vector b(n + p);
    for (Eigen::Index r = 0; r < n; ++r) {
        const Eigen::Index j = rows[std::size_t(r)];
        A.row(r) = (X.row(j).array() / scale.transpose().array()).matrix() / y(j);
        b(r) = 1;
    }
    A.bottomRows(p) = std::sqrt(lambda) * matrix::Identity(p, p);
    b.tail(p) = std::sqrt(lambda) * prior.cwiseProduct(scale);
    return nnls(A, b).cwiseQuotient(scale);
}

/// Cross-validation folds by row index: fold f holds the rows j with j % k == f.
inline std::vector<std::pair<std::vector<int>, std::vector<int>>> folds(int n, int k) {
    k = std::max(2, std::min(k, n));
    std::vector<std::pair<std::vector<int>, std::vector<int>>> out(static_cast<std::size_t>(k));
    for (int j = 0; j < n; ++j)
        for (int f = 0; f < k; ++f)
            (j % k == f ? out[std::size_t(f)].second : out[std::size_t(f)].first).push_back(j);
    return out;
}

inline std::vector<int> all_rows(int n) {
    std::vector<int> r(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j)
        r[std::size_t(j)] = j;
    return r;
}

/// The coarse design (group sums and a 1) of the fine design (features and a 1).
inline matrix coarse_of(const matrix& X) {
    matrix G = matrix::Zero(X.rows(), group_count + 1);
    for (int k = 0; k < feature_count; ++k)
        G.col(feature_group[std::size_t(k)]) += X.col(k);
    G.col(group_count) = X.col(feature_count);
    return G;
}

/// The fine prior of a coarse fit: each feature at its group's weight.
inline vector prior_of(const vector& coarse) {
    vector p(feature_count + 1);
    for (int k = 0; k < feature_count; ++k)
        p(k) = coarse(feature_group[std::size_t(k)]);
    p(feature_count) = coarse(group_count);
    return p;
}

inline vector column_scale(const matrix& X) {
    vector s(X.cols());
    for (Eigen::Index c = 0; c < X.cols(); ++c)
        s(c) = std::max(X.col(c).cwiseAbs().mean(), 1e-12);
    return s;
}

/// Sum over `rows` of the squared relative errors of predictions `predict(rows_of_fold)`.
inline double relative_sse(const vector& y, const std::vector<int>& rows, const vector& predicted) {
    double e = 0;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const double t = y(rows[k]);
        e += std::pow((predicted(Eigen::Index(k)) - t) / t, 2);
    }
    return e;
}

/// Weighted ridge on sparse count rows: min sum_j w_j^2 (r_j - h_j d)^2 + lambda ||d||^2.
struct sparse_ridge {
    std::vector<std::vector<std::pair<int, double>>> h;  ///< per row: (column, count)
    int columns = 0;

    vector solve(const std::vector<int>& rows, const vector& r, const vector& w, double lambda) const {
        matrix S = matrix::Zero(columns, columns);
        vector t = vector::Zero(columns);
        for (int j : rows) {
            const double ww = w(j) * w(j);
            for (const auto& [a, ca] : h[std::size_t(j)]) {
                t(a) += ww * ca * r(j);
                for (const auto& [b, cb] : h[std::size_t(j)])
                    S(a, b) += ww * ca * cb;
            }
        }
        S.diagonal().array() += lambda;
        return S.ldlt().solve(t);
    }
    double apply(int j, const vector& d) const {
        double s = 0;
        for (const auto& [a, ca] : h[std::size_t(j)])
            s += ca * d(a);
        return s;
    }
};

}  // namespace detail

/// The analytic design of a space's networks: per row of `ops` (a row op per space row), its
/// features summed over the cells and a 1, and the residual design (signature counts).
struct design_rows {
    detail::matrix X;               ///< networks x (features + 1)
    detail::sparse_ridge residual;  ///< networks' signature counts
    std::vector<std::string> signatures;
};

/// The features and signature of every cell of a space, computed once.
class space_cells {
public:
    explicit space_cells(const layered_space& s) : n_(s.num_blocks()), m_(s.num_ops()) {
        f_.resize(std::size_t(n_) * std::size_t(m_));
        sig_.assign(f_.size(), -1);
        std::map<std::string, int> index;
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m) {
                if (!s.available(i, m))
                    continue;
                const net::network_report r = candidate_report(s, i, m);
                f_[at(i, m)] = network_features(r);
                if (s.role(i) != row_role::searchable || r.layers.empty())
                    continue;  // fixed rows are in every network (the intercept's), a skip op costs nothing
                const std::string sg = net::op_signature(r);
                const auto [it, fresh] = index.try_emplace(sg, int(signatures_.size()));
                if (fresh)
                    signatures_.push_back(sg);
                sig_[at(i, m)] = it->second;
            }
    }
    const features& of(int i, int m) const { return f_[at(i, m)]; }
    int signature(int i, int m) const { return sig_[at(i, m)]; }
    const std::vector<std::string>& signatures() const noexcept { return signatures_; }
    int rows() const noexcept { return n_; }

    /// The design of networks given by their row ops.
    design_rows design(const std::vector<std::vector<int>>& ops) const {
        design_rows d;
        const Eigen::Index n = Eigen::Index(ops.size());
        d.X = detail::matrix::Zero(n, feature_count + 1);
        d.residual.h.resize(ops.size());
        d.residual.columns = int(signatures_.size());
        d.signatures = signatures_;
        for (Eigen::Index j = 0; j < n; ++j) {
            std::map<int, double> counts;
            for (int i = 0; i < n_; ++i) {
                const int m = ops[std::size_t(j)][std::size_t(i)];
                const features& f = of(i, m);
                for (int k = 0; k < feature_count; ++k)
                    d.X(j, k) += f[std::size_t(k)];
                if (const int s = signature(i, m); s >= 0)
                    counts[s] += 1;
            }
            d.X(j, feature_count) = 1;
            d.residual.h[std::size_t(j)].assign(counts.begin(), counts.end());
        }
        return d;
    }

private:
    std::size_t at(int i, int m) const { return std::size_t(i) * std::size_t(m_) + std::size_t(m); }
    int n_, m_;
    std::vector<features> f_;
    std::vector<int> sig_;
    std::vector<std::string> signatures_;
};

/// Fits the model to a design and the measured latencies (ms) of its rows (see the header
/// comment). Deterministic; a fit of 1,000 networks takes well under a second (bench_calibrated).
inline fitted_model fit(const design_rows& d, const detail::vector& y, const fit_options& o = {}) {
    using namespace detail;
    const int n = int(y.size());
    nais::detail::require(n >= 2, "calibrated::fit: needs at least 2 measured networks, got ", n);
    nais::detail::require(o.folds >= 2 && !o.ridge.empty() && !o.coarse_ridge.empty() && !o.residual_ridge.empty(),
                          "calibrated::fit: needs folds >= 2 and a penalty grid for every stage");
    for (int j = 0; j < n; ++j)
        nais::detail::require(std::isfinite(y(j)) && y(j) > 0, "calibrated::fit: latency ", j, " = ", y(j),
                              " is not finite and > 0");
    const auto cv = folds(n, o.folds);
    const std::vector<int> all = all_rows(n);
    const matrix& X = d.X;
    const matrix G = coarse_of(X);
    const vector xs = column_scale(X), gs = column_scale(G);
    const vector zero_g = vector::Zero(G.cols()), zero_x = vector::Zero(X.cols());
    const auto predict_rows = [](const matrix& A, const std::vector<int>& r, const vector& c) {
        vector p(Eigen::Index(r.size()));
        for (std::size_t k = 0; k < r.size(); ++k)
            p(Eigen::Index(k)) = A.row(r[k]).dot(c);
        return p;
    };
    const auto choose = [&](const std::vector<double>& grid, auto&& cv_error) {
        double best = grid.front(), best_e = std::numeric_limits<double>::infinity();
        for (double lam : grid)
            if (const double e = cv_error(lam); e < best_e)
                best = lam, best_e = e;
        return best;
    };
    // the one-standard-error rule for penalties that shrink towards a simpler model (the coarse
    // one, or no residual): the largest penalty whose cross-validated error is within one
    // standard error (over the folds) of the smallest; noisy measurements then keep the simpler
    // model unless the data clearly ask for more
    const auto choose_simpler = [&](const std::vector<double>& grid, auto&& fold_errors) {
        std::vector<double> mean(grid.size()), se(grid.size());
        std::size_t best = 0;
        for (std::size_t g = 0; g < grid.size(); ++g) {
            const std::vector<double> e = fold_errors(grid[g]);
            double m = 0, v = 0;
            for (double x : e)
                m += x / double(e.size());
            for (double x : e)
                v += (x - m) * (x - m) / double(std::max<std::size_t>(1, e.size() - 1));
            mean[g] = m;
            se[g] = std::sqrt(v / double(e.size()));
            if (m < mean[best])
                best = g;
        }
        std::size_t pick = best;
        for (std::size_t g = 0; g < grid.size(); ++g)
            if (mean[g] <= mean[best] + se[best] && grid[g] > grid[pick])
                pick = g;
        return grid[pick];
    };
    // 1. the coarse model
    const double lam_g = choose(o.coarse_ridge, [&](double lam) {
        double e = 0;
        for (const auto& [tr, te] : cv)
            e += relative_sse(y, te, predict_rows(G, te, nonneg_ridge(G, y, tr, lam, gs, zero_g)));
        return e;
    });
    const auto coarse_on = [&](const std::vector<int>& r) { return nonneg_ridge(G, y, r, lam_g, gs, zero_g); };
    const vector coarse = coarse_on(all);
    // 2. the fine model, twice, averaged
    const auto fine_zero = [&](const std::vector<int>& r, double lam) { return nonneg_ridge(X, y, r, lam, xs, zero_x); };
    const auto fine_group = [&](const std::vector<int>& r, double lam) {
        return nonneg_ridge(X, y, r, lam, xs, prior_of(coarse_on(r)));
    };
    const auto cv_fine = [&](auto&& fit_on) {
        return [&, fit_on](double lam) {
            double e = 0;
            for (const auto& [tr, te] : cv)
                e += relative_sse(y, te, predict_rows(X, te, fit_on(tr, lam)));
            return e;
        };
    };
    const double lam_z = choose(o.ridge, cv_fine(fine_zero));
    const double lam_p = choose_simpler(o.ridge, [&](double lam) {
        std::vector<double> e;
        for (const auto& [tr, te] : cv)
            e.push_back(relative_sse(y, te, predict_rows(X, te, fine_group(tr, lam))) / double(te.size()));
        return e;
    });
    const auto analytic_on = [&](const std::vector<int>& r) { return vector(0.5 * (fine_zero(r, lam_z) + fine_group(r, lam_p))); };
    const vector c = analytic_on(all);
    fitted_model m;
    for (int k = 0; k < feature_count; ++k)
        m.weights[std::size_t(k)] = c(k);
    m.intercept = c(feature_count);
    for (int g = 0; g < group_count; ++g)
        m.group_weights[std::size_t(g)] = coarse(g);
    m.group_intercept = coarse(group_count);
    m.coarse_ridge = lam_g;
    m.ridge_zero = lam_z;
    m.ridge_group = lam_p;
    m.rows = n;
    m.signatures = d.signatures;
    m.residual.assign(d.signatures.size(), 0.0);
    // 3. the residuals per signature
    if (o.residual && d.residual.columns > 0) {
        const vector w = y.cwiseInverse();
        std::vector<vector> fold_c;
        for (const auto& f : cv)
            fold_c.push_back(analytic_on(f.first));
        // infinity stands for no residual: the residuals are kept only where cross-validation says
        // they predict held-out networks better than the analytic model alone (with few or noisy
        // measurements they do not)
        std::vector<double> grid = o.residual_ridge;
        grid.push_back(std::numeric_limits<double>::infinity());
        const double lam_r = choose_simpler(grid, [&](double lam) {
            std::vector<double> e;
            for (std::size_t f = 0; f < cv.size(); ++f) {
                const auto& [tr, te] = cv[f];
                vector p = predict_rows(X, te, fold_c[f]);
                if (std::isfinite(lam)) {
                    const vector dd = d.residual.solve(tr, y - X * fold_c[f], w, lam);
                    for (std::size_t k = 0; k < te.size(); ++k)
                        p(Eigen::Index(k)) += d.residual.apply(te[k], dd);
                }
                e.push_back(relative_sse(y, te, p) / double(te.size()));
            }
            return e;
        });
        if (std::isfinite(lam_r)) {
            const vector dd = d.residual.solve(all, y - X * c, w, lam_r);
            for (Eigen::Index s = 0; s < dd.size(); ++s)
                m.residual[std::size_t(s)] = dd(s);
        }
        m.residual_ridge = lam_r;
    }
    return m;
}

/// Fits the model to measured networks of a space.
inline fitted_model fit(const layered_space& space, const space_cells& cells, const std::vector<measurement>& rows,
                        const fit_options& o = {}) {
    std::vector<std::vector<int>> ops;
    detail::vector y(Eigen::Index(rows.size()));
    for (std::size_t j = 0; j < rows.size(); ++j) {
        ops.push_back(row_ops(space, rows[j].choice));
        y(Eigen::Index(j)) = rows[j].latency_ms;
    }
    return fit(cells.design(ops), y, o);
}

/// A fitted model bound to a space: the predicted ms of every (row, op) cell (the intercept on
/// the first row), and of whole networks.
class calibration {
public:
    calibration(const space_cells& cells, const layered_space& space, const fitted_model& m)
        : table_(Eigen::ArrayXXd::Zero(space.num_blocks(), space.num_ops())) {
        std::map<std::string, double> residual;
        for (std::size_t s = 0; s < m.signatures.size() && s < m.residual.size(); ++s)
            residual[m.signatures[s]] = m.residual[s];
        for (int i = 0; i < space.num_blocks(); ++i)
            for (int j = 0; j < space.num_ops(); ++j) {
                if (!space.available(i, j))
                    continue;
                const features& f = cells.of(i, j);
                double v = i == 0 ? m.intercept : 0.0;
                for (int k = 0; k < feature_count; ++k)
                    v += m.weights[std::size_t(k)] * f[std::size_t(k)];
                if (const int s = cells.signature(i, j); s >= 0)
                    if (const auto it = residual.find(cells.signatures()[std::size_t(s)]); it != residual.end())
                        v += it->second;
                table_(i, j) = v;
            }
    }
    /// ms of op m in row i (the first row carries the intercept).
    const Eigen::ArrayXXd& table() const noexcept { return table_; }
    /// ms of a network given by its row ops.
    double predict(const std::vector<int>& ops) const {
        double v = 0;
        for (std::size_t i = 0; i < ops.size(); ++i)
            v += table_(Eigen::Index(i), ops[i]);
        return v;
    }

private:
    Eigen::ArrayXXd table_;
};

// ------------------------------------------------------------------ the baselines

/// A linear fit of MACs (ordinary least squares): latency = slope MACs + intercept.
struct macs_fit {
    double slope = 0, intercept = 0;
    double predict(double macs) const { return slope * macs + intercept; }
};

inline macs_fit fit_macs(const std::vector<double>& macs, const std::vector<double>& ms) {
    nais::detail::require(macs.size() == ms.size() && macs.size() >= 2, "calibrated::fit_macs: needs 2 or more rows");
    Eigen::MatrixXd A(Eigen::Index(ms.size()), 2);
    Eigen::VectorXd b(Eigen::Index(ms.size()));
    for (std::size_t j = 0; j < ms.size(); ++j) {
        A(Eigen::Index(j), 0) = macs[j];
        A(Eigen::Index(j), 1) = 1;
        b(Eigen::Index(j)) = ms[j];
    }
    const Eigen::VectorXd c = A.completeOrthogonalDecomposition().solve(b);
    return {c(0), c(1)};
}

/// A per-(block, op) table fitted by least squares (the minimum-norm solution when there are
/// fewer networks than entries): latency = intercept + sum_i t(i, op_i) over the searchable
/// blocks, as ProxylessNAS-, TF-NAS- and HW-NAS-Bench-style look-up tables are.
struct op_table_fit {
    Eigen::ArrayXXd table;  ///< searchable block x op
    double intercept = 0;
    double predict(const std::vector<int>& choice) const {
        double v = intercept;
        for (std::size_t k = 0; k < choice.size(); ++k)
            v += table(Eigen::Index(k), choice[k]);
        return v;
    }
};

inline op_table_fit fit_op_table(const std::vector<measurement>& rows, int blocks, int ops) {
    nais::detail::require(!rows.empty(), "calibrated::fit_op_table: no rows");
    const Eigen::Index cols = Eigen::Index(blocks) * ops + 1;
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(Eigen::Index(rows.size()), cols);
    Eigen::VectorXd b(Eigen::Index(rows.size()));
    for (std::size_t j = 0; j < rows.size(); ++j) {
        for (std::size_t k = 0; k < rows[j].choice.size(); ++k)
            A(Eigen::Index(j), Eigen::Index(k) * ops + rows[j].choice[k]) = 1;
        A(Eigen::Index(j), cols - 1) = 1;
        b(Eigen::Index(j)) = rows[j].latency_ms;
    }
    const Eigen::VectorXd c = A.completeOrthogonalDecomposition().solve(b);
    op_table_fit t;
    t.table.resize(blocks, ops);
    for (int k = 0; k < blocks; ++k)
        for (int m = 0; m < ops; ++m)
            t.table(k, m) = c(Eigen::Index(k) * ops + m);
    t.intercept = c(cols - 1);
    return t;
}

}  // namespace nais::calibrated
