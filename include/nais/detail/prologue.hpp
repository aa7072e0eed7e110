// Included first by every internal nais header: internal headers refuse direct inclusion
// (as Eigen's src/ tree does) so that users only ever name the umbrella <nais/nais.hpp>.
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#error "nais: include <nais/nais.hpp> or a module header (<nais/core.hpp>, <nais/fpga.hpp>, ...), not an internal header of nais directly"
#endif
