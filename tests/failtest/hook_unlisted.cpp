// A device model that defines a search hook without listing it: nais refuses to guess, and says
// which hook to list.
#include <nais/core.hpp>
#include <nais/search.hpp>

struct latency_model {
    using space_type = nais::proxyless_space;
    using scalar_type = double;
    using variables = nais::variables<>;
    struct parameters {};
    explicit latency_model(const space_type& s) : work(nais::work_array<double>(s)) {}
    template <class B>
    auto program(B& b) {
        return nais::device_terms(nais::statements(), nais::sum(nais::op_expectation(b.arch(), nais::expr::constant(work))));
    }
    template <class Loss, class Search>
    void check_search(const Loss&, const Search&) const {}
    Eigen::Array<double, 20, 9> work;
};

int main() {
    nais::loss<latency_model> l{nais::proxyless_space{}};
    nais::search::co_search s(l, nais::search::search_options<double>{});
    return s.steps_done() > 0;
}
