#include <nais/core.hpp>
int main() {
    Eigen::Array<double, 4, 3> p = Eigen::Array<double, 4, 3>::Zero();
    Eigen::Array<double, 4, 2> c = Eigen::Array<double, 4, 2>::Zero();
    auto e = nais::op_expectation(nais::expr::constant(p), nais::expr::constant(c));
    return static_cast<int>(e.forward()(0));
}
