#include <nais/gpu.hpp>
#include <array>
using s = nais::static_space<nais::block_list<nais::block{16, 24, 56, 56, 1}>, nais::op_list<nais::mbconv{3, 4}>,
                             nais::bit_list<8, 16>>;
using t = nais::gpu::constant_table<s, std::array<double, 3>{0.1, 0.2, 0.3}>;  // needs 1 x 1 x 2
int main() { return static_cast<int>(t::table().max()); }
