// nais-hotnas: HotNAS on the tiled FPGA template from a JSON spec (README: nais-hotnas): the
// exact design search for a network, or, with "target_ms", the hot start (compression chosen by
// each layer's bottleneck, and the design) that meets the target at the least accuracy cost.
// Prints the per-layer report (--json: the document); a progress bar on a terminal. A malformed
// spec or bad option exits with status 2 and a one-line message.
#include <nais_eval/tiled_reader.hpp>

#include <cli_io.hpp>

#include <unistd.h>

#include <functional>
#include <iostream>

namespace {

const char* usage =
    "usage: nais-hotnas [options] [spec.json]   (reads stdin when no file is given)\n"
    "  --json     print the result as JSON instead of the per-layer report\n"
    "  --quiet    no progress bar\n";

struct cli {
    std::string spec = "-";
    bool json = false, quiet = false;
};

cli parse(int argc, char** argv) {
    cli c;
    c.spec = nais_cli::parse_arguments(argc, argv, "nais-hotnas", usage, [&](const std::string& a, int&) {
        if (a == "--json")
            c.json = true;
        else if (a == "--quiet")
            c.quiet = true;
        else
            return false;
        return true;
    });
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    const cli c = parse(argc, argv);
    const auto text = nais_cli::read_input(c.spec, "nais-hotnas");
    if (!text)
        return 2;
    try {
        const nais_eval::hotnas_job job = nais_eval::read_hotnas_text(*text, nais_cli::spec_directory(c.spec));
        nais_cli::progress_bar bar{job.hot_start ? "rounds" : "(Tm,Tn) pairs"};
        nais_eval::progress_callback progress;
        if (!c.quiet && isatty(STDERR_FILENO))
            progress = std::ref(bar);
        const nais_eval::json result = nais_eval::run_hotnas(job, progress);
        bar.finish();
        if (c.json)
            std::cout << result.dump(2) << "\n";
        else
            std::cout << nais_eval::hotnas_table(result);
        return 0;
    } catch (const std::exception& e) {
        nais_cli::report("nais-hotnas", e.what());
        return 2;
    }
}
