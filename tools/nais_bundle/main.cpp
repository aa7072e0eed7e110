// nais-bundle: the bundle (IP-reuse) FPGA accelerator from a JSON spec (README: nais-bundle):
// evaluate a network on SkyNet-style IPs, rank bundles on probe networks with their Pareto set,
// grow a network from a bundle for a latency target. Prints tables (--json: the document);
// --svg FILE writes the bundles' Pareto plot. A malformed spec or bad option exits with status 2
// and a one-line message.
#include <nais_eval/bundle_reader.hpp>

#include <cli_io.hpp>

int main(int argc, char** argv) {
    return nais_cli::document_tool(
        argc, argv, "nais-bundle",
        "usage: nais-bundle [options] [spec.json]   (reads stdin when no file is given, or for -)\n"
        "  --json        print the result as JSON instead of tables\n"
        "  --svg FILE    write the bundles' Pareto set as an SVG (needs a \"bundles\" task)\n",
        "--svg",
        [](const std::string& text, const std::string& dir, bool svg) {
            const nais_eval::bundle_job job = nais_eval::read_bundle_text(text, dir);
            if (svg && job.bundles.empty())
                throw nais_eval::spec_error("--svg: the spec has no \"bundles\" task to plot");
            return nais_eval::run_bundle(job);
        },
        nais_eval::bundle_tables, nais_eval::bundle_pareto_svg);
}
