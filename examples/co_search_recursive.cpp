// A complete EDD co-search (Sec. 5) for the recursive FPGA architecture (one shared IP per op
// type, end-to-end latency, Eq. 6 and 9-10) under a ZCU102-like budget of 2520 DSPs.
#include "co_search_report.hpp"

int main() {
    return example::run<nais::fpga::recursive>("recursive FPGA co-search, ZCU102 (2520 DSPs, 200 MHz assumed)",
                                               nais::fpga::zcu102);
}
