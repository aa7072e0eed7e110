// Control case: a valid description compiles, so the other cases fail for their own reason.
#include <nais/core.hpp>
using s = nais::static_space<nais::block_list<nais::block{16, 24, 56, 56, 2}>, nais::op_list<nais::mbconv{3, 4}>,
                             nais::bit_list<4, 8>>;
int main() { return s::work_table[0][0] > 0 ? 0 : 1; }
