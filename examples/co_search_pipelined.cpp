// A complete EDD co-search (Sec. 5) for the pipelined FPGA architecture (one IP per block,
// throughput, Eq. 7-8) under a ZC706-like budget of 900 DSPs.
#include "co_search_report.hpp"

int main() {
    return example::run<nais::fpga::pipelined>("pipelined FPGA co-search, ZC706 (900 DSPs, 200 MHz assumed)",
                                               nais::fpga::zc706);
}
