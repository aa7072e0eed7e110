// nais-bundle: the bundle (IP-reuse) FPGA accelerator from a JSON spec (README: nais-bundle):
// evaluate a network on SkyNet-style IPs, rank bundles on probe networks with their Pareto set,
// grow a network from a bundle for a latency target. Prints tables (--json: the document);
// --svg FILE writes the bundles' Pareto plot. A malformed spec or bad option exits with status 2
// and a one-line message.
#include <nais_eval/bundle_spec.hpp>

#include <cli_io.hpp>

#include <fstream>
#include <iostream>

namespace {

const char* usage =
    "usage: nais-bundle [options] [spec.json]   (reads stdin when no file is given, or for -)\n"
    "  --json        print the result as JSON instead of tables\n"
    "  --svg FILE    write the bundles' Pareto set as an SVG (needs a \"bundles\" task)\n";

struct cli {
    std::string spec = "-";
    bool json = false;
    std::string svg;
};

cli parse(int argc, char** argv) {
    cli c;
    c.spec = nais_cli::parse_arguments(argc, argv, "nais-bundle", usage, [&](const std::string& a, int& k) {
        if (a == "--json") {
            c.json = true;
        } else if (a == "--svg") {
            if (k + 1 >= argc)
                nais_cli::bad_usage("nais-bundle", "--svg needs a file name");
            c.svg = argv[++k];
        } else {
            return false;
        }
        return true;
    });
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    const cli c = parse(argc, argv);
    const auto text = nais_cli::read_input(c.spec, "nais-bundle");
    if (!text)
        return 2;
    try {
        const nais_eval::bundle_job job = nais_eval::read_bundle_text(*text, nais_cli::spec_directory(c.spec));
        if (!c.svg.empty() && job.bundles.empty())
            throw nais_eval::spec_error("--svg: the spec has no \"bundles\" task to plot");
        const nais_eval::json result = nais_eval::run_bundle(job);
        if (!c.svg.empty()) {
            std::ofstream out(c.svg);
            if (!out)
                throw nais_eval::spec_error("--svg: cannot write '" + c.svg + "'");
            out << nais_eval::bundle_pareto_svg(result);
        }
        if (c.json)
            std::cout << result.dump(2) << "\n";
        else
            std::cout << nais_eval::bundle_tables(result);
        return 0;
    } catch (const std::exception& e) {
        nais_cli::report("nais-bundle", e.what());
        return 2;
    }
}
