#include <nais/core.hpp>
using s = nais::static_space<nais::block_list<nais::block{16, 24, 56, 56, 1}>, nais::op_list<nais::mbconv{3, 4}>,
                             nais::bit_list<>>;
int main() { return s::bits_at_compile_time; }
