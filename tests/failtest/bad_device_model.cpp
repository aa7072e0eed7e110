// A device model that forgot to list its variable groups.
#include <nais/core.hpp>

struct no_variables_model {
    using space_type = nais::proxyless_space;
    using scalar_type = double;
    struct parameters {};
    explicit no_variables_model(const space_type&) {}
};

int main() {
    nais::loss<no_variables_model> l{nais::proxyless_space{}};
    return l.num_blocks();
}
