// nais-net: the layer table of a zoo network or of a network description (JSON): shapes,
// kernels, strides, groups, MACs and parameters per layer, and totals; for a space, its rows and
// candidates, the GPU table keys it needs, or the network of one choice. A malformed description
// or a shape that does not fit exits with status 2 and one line naming the layer and the key.
#include "space_json.hpp"

#include <cli_io.hpp>

#include <nais/gpu.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* usage =
    "usage: nais-net [--json | --export | --signatures] [--choice I,J,...] [--model NAME | FILE.json | -]\n"
    "       nais-net --list\n"
    "  --model NAME    a network or space of the zoo (see --list); FILE.json a network or space\n"
    "                  description ('-' or nothing: stdin)\n"
    "  --json          the analysis as JSON instead of a table\n"
    "  --export        the description (the format nais-net reads) as JSON\n"
    "  --signatures    the op signatures a GPU latency table needs (one per line)\n"
    "  --choice I,...  a space's network with candidate I in searchable block 0, J in block 1, ...\n";

std::string shape(const nais::net::tensor_shape& s) {
    return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::vector<int> parse_choice(const std::string& text) {
    std::vector<int> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        int v = 0;
        const auto r = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size() || v < 0)
            throw nais_json::spec_error("--choice: '" + item + "' is not a candidate index (expected I,J,... with I >= 0)");
        out.push_back(v);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

const char* role_name(nais::row_role r) {
    return r == nais::row_role::stem ? "stem" : r == nais::row_role::head ? "head" : "block";
}

void print_space(const nais::layered_space& s) {
    std::printf("%s: input %s, %d rows (stem, blocks, head) x %d candidates, bits", s.name().c_str(),
                shape(s.description().input).c_str(), s.num_blocks(), s.num_ops());
    for (int q = 0; q < s.num_bits(); ++q)
        std::printf(" %d", s.bit_width(q));
    std::printf("\n%-12s %-5s %-14s %-14s %-3s %-22s %15s %15s %12s\n", "row", "role", "input", "output", "m", "candidate",
                "work (Eq. 12)", "MACs", "params");
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m) {
            if (!s.available(i, m))
                continue;
            const auto& r = s.candidate_report(i, m);
            std::printf("%-12s %-5s %-14s %-14s %-3d %-22s %15lld %15lld %12lld\n", s.row_name(i).c_str(), role_name(s.role(i)),
                        shape(s.row_input(i)).c_str(), shape(s.row_output(i)).c_str(), m, s.candidate_name(i, m).c_str(),
                        static_cast<long long>(s.work(i, m)), static_cast<long long>(r.macs),
                        static_cast<long long>(r.params));
        }
}

nais_json::json space_json(const nais::layered_space& s) {
    using nais_json::json;
    json rows = json::array();
    for (int i = 0; i < s.num_blocks(); ++i) {
        json cands = json::array();
        for (int m = 0; m < s.num_ops(); ++m) {
            if (!s.available(i, m))
                continue;
            const auto& r = s.candidate_report(i, m);
            cands.push_back({{"index", m},
                             {"name", s.candidate_name(i, m)},
                             {"skip", !s.runs_on_hardware(i, m)},
                             {"work", s.work(i, m)},
                             {"macs", r.macs},
                             {"params", r.params}});
        }
        const auto in = s.row_input(i), out = s.row_output(i);
        rows.push_back({{"name", s.row_name(i)},
                        {"role", role_name(s.role(i))},
                        {"input", {in.c, in.h, in.w}},
                        {"output", {out.c, out.h, out.w}},
                        {"candidates", std::move(cands)}});
    }
    const auto in = s.description().input;
    return json{{"name", s.name()}, {"input", {in.c, in.h, in.w}}, {"bits", s.description().bits}, {"rows", std::move(rows)}};
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
        const std::string groups =
            l.kind == nais::net::layer_kind::conv || l.kind == nais::net::layer_kind::shuffle ? std::to_string(l.groups) : "-";
        std::printf("%-28s %-7s %-14s %-14s %-6s %-6s %6s %15lld %12lld\n", x.name.c_str(), nais::net::kind_name(x.kind),
                    shape(x.in).c_str(), shape(x.out).c_str(), kernel.c_str(), stride.c_str(), groups.c_str(),
                    static_cast<long long>(x.macs), static_cast<long long>(x.params));
    }
    std::printf("total: %lld MACs (%.3f G), %lld parameters (%.3f M)\n", static_cast<long long>(r.macs), r.macs / 1e9,
                static_cast<long long>(r.params), r.params / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    bool as_json = false, export_description = false, list = false, signatures = false;
    std::string model, choice;
    std::string file = nais_cli::parse_arguments(argc, argv, "nais-net", usage, [&](const std::string& a, int& k) {
        const auto value = [&](const char* what) -> std::string {
            if (k + 1 >= argc)
                nais_cli::bad_usage("nais-net", a + " needs " + what);
            return argv[++k];
        };
        if (a == "--json")
            as_json = true;
        else if (a == "--export")
            export_description = true;
        else if (a == "--list")
            list = true;
        else if (a == "--signatures")
            signatures = true;
        else if (a == "--choice")
            choice = value("candidate indices I,J,... (one per searchable block)");
        else if (a == "--model")
            model = value("a name (see --list)");
        else
            return false;
        return true;
    });
    if (!model.empty() && file == "-")
        file.clear();  // no spec file: the zoo model
    if (list) {
        for (const auto& n : nais::net::zoo_names())
            std::cout << n << '\n';
        for (const auto& n : nais::space_zoo_names())
            std::cout << n << "   (space)\n";
        return 0;
    }
    if (!model.empty() && !file.empty())
        nais_cli::bad_usage("nais-net", "give --model NAME or a description file, not both");
    if (int(as_json) + int(export_description) + int(signatures) > 1)
        nais_cli::bad_usage("nais-net", "--json, --export and --signatures exclude each other");
    try {
        nais::net::network n;
        std::optional<nais::layered_space> space;
        if (!model.empty()) {
            const auto spaces = nais::space_zoo_names();
            if (std::find(spaces.begin(), spaces.end(), model) != spaces.end())
                space.emplace(nais::space_zoo(model));
            else
                n = nais::net::zoo(model);
        } else {
            const auto text = nais_cli::read_input(file, "nais-net");
            if (!text)
                return 2;
            const auto doc = nais_json::parse(*text);
            if (nais_net::detail::is_space(doc))
                space.emplace(nais_net::read_layered_space(doc));
            else
                n = nais_net::read_network(doc);
        }
        if (space && !choice.empty()) {  // the network of one choice per searchable block
            const std::vector<int> picked = parse_choice(choice);
            std::vector<int> ops(static_cast<std::size_t>(space->num_blocks()), space->fixed_column());
            std::size_t k = 0;
            for (int i = 0; i < space->num_blocks(); ++i)
                if (space->role(i) == nais::row_role::searchable) {
                    if (k == picked.size())
                        throw nais_json::spec_error("--choice: " + std::to_string(picked.size()) +
                                                    " indices for a space with more searchable blocks");
                    ops[static_cast<std::size_t>(i)] = picked[k++];
                }
            if (k != picked.size())
                throw nais_json::spec_error("--choice: " + std::to_string(picked.size()) + " indices for " +
                                            std::to_string(k) + " searchable blocks");
            n = space->instantiate(ops);
            space.reset();
        } else if (!choice.empty()) {
            throw nais_json::spec_error("--choice applies to a space, not to a network");
        }
        if (signatures) {
            const auto s = space ? *space : nais::layered_space::fixed_network(n, {8});
            for (const auto& sig : nais::gpu::required_signatures(s))
                std::cout << sig << '\n';
            return 0;
        }
        if (space) {
            if (export_description)
                std::cout << nais_net::to_json(space->description()).dump(1) << '\n';
            else if (as_json)
                std::cout << space_json(*space).dump(1) << '\n';
            else
                print_space(*space);
            return 0;
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
