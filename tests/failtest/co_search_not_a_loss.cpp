// co_search over something that is not a composed loss.
#include <nais/search.hpp>

struct not_a_loss {
    using scalar_type = double;
    using theta_type = Eigen::ArrayXXd;
};

int main() {
    not_a_loss l;
    nais::search::co_search<not_a_loss> s(l, {});
}
