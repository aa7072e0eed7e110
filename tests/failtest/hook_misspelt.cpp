// A device model that lists nais::hook::validate_parameters but misspells the member: the hook
// is not silently skipped, the compiler names it.
#include <nais/core.hpp>

struct latency_model {
    using space_type = nais::proxyless_space;
    using scalar_type = double;
    using variables = nais::variables<>;
    using hooks = nais::hooks<nais::hook::validate_parameters>;
    struct parameters {
        double clock_mhz = 200;
    };
    explicit latency_model(const space_type& s) : work(nais::work_array<double>(s)) {}
    template <class P>
    void validate_paramters(const P& p) const {  // misspelt
        nais::detail::require(p.clock_mhz > 0, "clock_mhz must be > 0");
    }
    template <class B>
    auto program(B& b) {
        return nais::device_terms(nais::statements(), nais::sum(nais::op_expectation(b.arch(), nais::expr::constant(work))));
    }
    Eigen::Array<double, 20, 9> work;
};

int main() {
    nais::loss<latency_model> l{nais::proxyless_space{}};
    return l.evaluate() > 0;
}
