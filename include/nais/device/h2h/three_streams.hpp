#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/device/h2h/workload.hpp>

#include <string>
#include <vector>

// H2H's example workload (xyzxinyizhang/H2H, DNN/ExampleDNN.py): three streams of VGG-style
// 3 x 3 convolutions, M1 with 20 layers and M2, M3 with 12, named M<s>L<k>. (The file's dict
// literal repeats the keys 'M1L3' and 'M1L5', so the beta itself maps 42 of them; these are the
// 44 layers the file lists.)
namespace nais::h2h {

inline std::vector<stream> three_stream_example() {
    static const std::int64_t M[] = {64, 64, 64, 64, 64, 64, 64, 64, 128, 128, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512};
    static const std::int64_t N[] = {3, 64, 64, 64, 64, 64, 64, 64, 64, 128, 128, 128, 384, 256, 256, 256, 256, 512, 512, 512};
    static const std::int64_t R[] = {112, 112, 112, 112, 56, 56, 56, 56, 28, 28, 28, 28, 14, 14, 14, 14, 7, 7, 7, 7};
    std::vector<stream> streams;
    for (int s = 1; s <= 3; ++s) {
        stream x;
        x.name = "M";
        x.name.append(std::to_string(s));
        for (int k = 1; k <= (s == 1 ? 20 : 12); ++k) {
            std::string name = x.name;
            name.append("L").append(std::to_string(k));
            x.layers.push_back(conv_layer(name, M[k - 1], N[k - 1], R[k - 1], R[k - 1], 3, 1, 1));
        }
        streams.push_back(std::move(x));
    }
    return streams;
}

}  // namespace nais::h2h
