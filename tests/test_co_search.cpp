// The co-search driver on one FPGA architecture (default 20-block space). CMake compiles this
// file twice, as test_co_search_recursive and test_co_search_pipelined, with NAIS_TEST_ARCH
// (recursive or pipelined) and the loose and tight budgets NAIS_TEST_LOOSE / NAIS_TEST_TIGHT:
// one architecture per translation unit keeps each under the compile-time budget.
#include "co_search_checks.hpp"

using arch = nais::fpga::NAIS_TEST_ARCH;
#define NAIS_TEST_NAME(text) NAIS_TEST_STR(NAIS_TEST_ARCH) " co-search: " text
#define NAIS_TEST_STR(x) NAIS_TEST_STR2(x)
#define NAIS_TEST_STR2(x) #x

TEST_CASE(NAIS_TEST_NAME("EDD Sec. 5 initialisation")) { nais_test::check_initialisation<arch>(NAIS_TEST_LOOSE); }

TEST_CASE(NAIS_TEST_NAME("the step's combined gradient (Eq. 1 product rule) matches finite differences")) {
    nais_test::check_product_rule<arch>(false);
}

TEST_CASE(NAIS_TEST_NAME("hard sampling, dL/dpf matches finite differences")) {
    nais_test::check_product_rule<arch>(true);
}

TEST_CASE(NAIS_TEST_NAME("equal seeds give bit-identical runs, soft and hard")) {
    nais_test::check_reproducible<arch>(false);
    nais_test::check_reproducible<arch>(true);
}

TEST_CASE(NAIS_TEST_NAME("a bad accuracy callable stops the search naming the step and the variable")) {
    nais_test::check_callable_errors<arch>();
}

TEST_CASE(NAIS_TEST_NAME("an unmeetable budget is refused before any step")) {
    nais_test::check_infeasible_budget<arch>();
}

TEST_CASE(NAIS_TEST_NAME("meets the budget; a tighter budget gives fewer DSPs")) {
    nais_test::check_budget_tightening<arch>(NAIS_TEST_LOOSE, NAIS_TEST_TIGHT);
}

TEST_CASE(NAIS_TEST_NAME("SGD with Nesterov momentum also descends")) { nais_test::check_sgd_search<arch>(); }
