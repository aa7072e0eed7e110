// A device model that lists nais::hook::finish with a finish of another signature (no search
// argument): a compile error naming the hook, not a silently missing conclusion.
#include <nais/core.hpp>
#include <nais/search.hpp>

#include <vector>

struct latency_model {
    using space_type = nais::proxyless_space;
    using scalar_type = double;
    using variables = nais::variables<>;
    using hooks = nais::hooks<nais::hook::finish>;
    struct parameters {};
    explicit latency_model(const space_type& s) : work(nais::work_array<double>(s)) {}
    template <class B>
    auto program(B& b) {
        return nais::device_terms(nais::statements(), nais::sum(nais::op_expectation(b.arch(), nais::expr::constant(work))));
    }
    template <class Loss>
    std::vector<int> finish(const Loss& l) const { return l.derived_ops(); }  // lacks the search argument
    Eigen::Array<double, 20, 9> work;
};

int main() {
    nais::loss<latency_model> l{nais::proxyless_space{}};
    nais::search::co_search s(l, nais::search::search_options<double>{});
    return static_cast<int>(s.finish().size());
}
