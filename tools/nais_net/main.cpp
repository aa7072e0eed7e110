// nais-net: the layer table of a zoo network or of a network description (JSON): shapes,
// kernels, strides, groups, MACs and parameters per layer, and totals. A malformed description
// or a shape that does not fit exits with status 2 and one line naming the layer and the key.
#include "network_json.hpp"

#include <cli_io.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* usage =
    "usage: nais-net [--json | --export] [--model NAME | FILE.json | -]   (stdin when neither is given)\n"
    "       nais-net --list\n"
    "  --model NAME  a network of the zoo (see --list); FILE.json a network description ('-': stdin)\n"
    "  --json        the per-layer analysis as JSON instead of a table\n"
    "  --export      the network's description (the format nais-net reads) as JSON\n";

std::string shape(const nais::net::tensor_shape& s) {
    return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

void print_table(const nais::net::network& n, const nais::net::network_report& r) {
    std::printf("%s: input %s, %zu layers\n", r.name.c_str(), shape(r.input).c_str(), r.layers.size());
    std::printf("%-28s %-7s %-14s %-14s %-6s %-6s %6s %15s %12s\n", "layer", "kind", "input", "output", "kernel", "stride",
                "groups", "MACs", "params");
    for (std::size_t k = 0; k < r.layers.size(); ++k) {
        const auto& l = n.layers[k];
        const auto& x = r.layers[k];
        const bool windowed = l.kind == nais::net::layer_kind::conv || (l.kind == nais::net::layer_kind::pool && !l.global);
        const std::string kernel = windowed ? (l.kernel_h == l.kernel_w ? std::to_string(l.kernel_h)
                                                                        : std::to_string(l.kernel_h) + "x" + std::to_string(l.kernel_w))
                                            : "-";
        const std::string stride = windowed || l.kind == nais::net::layer_kind::reorg ? std::to_string(l.stride_h) : "-";
        const std::string groups = l.kind == nais::net::layer_kind::conv ? std::to_string(l.groups) : "-";
        std::printf("%-28s %-7s %-14s %-14s %-6s %-6s %6s %15lld %12lld\n", x.name.c_str(), nais::net::kind_name(x.kind),
                    shape(x.in).c_str(), shape(x.out).c_str(), kernel.c_str(), stride.c_str(), groups.c_str(),
                    static_cast<long long>(x.macs), static_cast<long long>(x.params));
    }
    std::printf("total: %lld MACs (%.3f G), %lld parameters (%.3f M)\n", static_cast<long long>(r.macs), r.macs / 1e9,
                static_cast<long long>(r.params), r.params / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool as_json = false, export_description = false, list = false;
    std::string model, file;
    for (std::size_t k = 0; k < args.size(); ++k) {
        const std::string& a = args[k];
        if (a == "-h" || a == "--help") {
            std::cout << usage;
            return 0;
        } else if (a == "--json") {
            as_json = true;
        } else if (a == "--export") {
            export_description = true;
        } else if (a == "--list") {
            list = true;
        } else if (a == "--model") {
            if (k + 1 == args.size()) {
                nais_cli::report("nais-net", "--model needs a name (see --list)");
                return 2;
            }
            model = args[++k];
        } else if (a.size() > 1 && a[0] == '-' && a != "-") {
            nais_cli::report("nais-net", "unknown option '" + a + "' (see --help)");
            return 2;
        } else if (file.empty()) {
            file = a;
        } else {
            nais_cli::report("nais-net", "more than one network file given ('" + file + "', '" + a + "')");
            return 2;
        }
    }
    if (list) {
        for (const auto& n : nais::net::zoo_names())
            std::cout << n << '\n';
        return 0;
    }
    if (model.empty() && file.empty())
        file = "-";  // standard input, as nais-eval
    if ((!model.empty() && !file.empty()) || (as_json && export_description)) {
        std::cerr << usage;
        return 2;
    }
    try {
        nais::net::network n;
        if (!model.empty()) {
            n = nais::net::zoo(model);
        } else {
            const auto text = nais_cli::read_input(file, "nais-net");
            if (!text)
                return 2;
            n = nais_net::read_network(nais_json::parse(*text));
        }
        if (export_description) {
            std::cout << nais_net::to_json(n).dump(1) << '\n';
            return 0;
        }
        const auto r = nais::net::analyze(n);
        if (as_json)
            std::cout << nais_net::report_json(n, r).dump(1) << '\n';
        else
            print_table(n, r);
    } catch (const nais_json::spec_error& e) {
        nais_cli::report("nais-net", e.what());
        return 2;
    } catch (const nais::invalid_argument& e) {
        nais_cli::report("nais-net", e.what());
        return 2;
    } catch (const std::exception& e) {
        nais_cli::report("nais-net", e.what());
        return 3;
    }
    return 0;
}
