#include <nais/core.hpp>
using s = nais::static_space<nais::op_list<nais::mbconv{3, 4}>, nais::op_list<nais::mbconv{3, 4}>, nais::bit_list<8>>;
int main() { return s::ops_at_compile_time; }
