// nais-sweep: sweeps exact discrete FPGA designs described by a JSON spec (nais-eval's format
// plus a "sweep" object), prints a summary table and writes the Pareto front (CSV), a sample of
// all points (CSV) and an SVG plot of the front. A malformed spec or bad option exits with
// status 2 and a one-line message.
#include "sweep_reader.hpp"

#include <cli_io.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace {

const char* usage =
    "usage: nais-sweep [options] [spec.json]   (reads stdin when no file is given)\n"
    "  --front FILE    write the Pareto front as CSV\n"
    "  --points FILE   write the sampled points (sweep.sample_every) as CSV\n"
    "  --svg FILE      write an SVG plot of the front (latency vs DSPs) and the sampled points\n"
    "  --threads N     override sweep.threads (0: all cores)\n"
    "  --rows N        front rows in the summary table (default 20)\n"
    "  --json          print the result as JSON (what nais.sweep returns) instead of the summary\n"
    "  --quiet         no progress bar\n";

struct cli {
    std::string spec = "-", front, points, svg;
    long threads = -1;
    std::size_t rows = 20;
    bool quiet = false, json = false;
};

cli parse(int argc, char** argv) {
    cli c;
    c.spec = nais_cli::parse_arguments(argc, argv, "nais-sweep", usage, [&](const std::string& a, int& k) {
        auto value = [&]() -> std::string {
            if (k + 1 >= argc)
                nais_cli::bad_usage("nais-sweep", "option " + a + " needs a value");
            return argv[++k];
        };
        auto number = [&](long lo, long hi) {
            const std::string v = value();
            char* end = nullptr;
            const long n = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || n < lo || n > hi)
                nais_cli::bad_usage("nais-sweep", "option " + a + " needs an integer in [" + std::to_string(lo) + ", " +
                                                      std::to_string(hi) + "], got '" + v + "'");
            return n;
        };
        if (a == "--front")
            c.front = value();
        else if (a == "--points")
            c.points = value();
        else if (a == "--svg")
            c.svg = value();
        else if (a == "--threads")
            c.threads = number(0, 1024);
        else if (a == "--rows")
            c.rows = static_cast<std::size_t>(number(2, 1000000));
        else if (a == "--quiet")
            c.quiet = true;
        else if (a == "--json")
            c.json = true;
        else
            return false;
        return true;
    });
    return c;
}

void write_file(const std::string& path, auto&& writer) {
    std::ofstream out(path);
    if (!out)
        throw nais_sweep::spec_error("cannot write '" + path + "'");
    writer(out);
    if (!out)
        throw nais_sweep::spec_error("error while writing '" + path + "'");
}

template <class Arch>
int run(nais_sweep::sweep_job<Arch>& job, const cli& c) {
    if (c.threads >= 0)
        job.options.threads = static_cast<unsigned>(c.threads);
    if (!c.points.empty() && job.options.sample_every == 0)
        throw nais_sweep::spec_error("--points needs sweep.sample_every > 0 in the spec (which points to keep)");
    nais_cli::progress_bar bar{"points"};
    if (!c.quiet && isatty(STDERR_FILENO))
        job.options.progress = std::ref(bar);
    const auto r = nais_sweep::run_job(job);
    job.options.progress = nullptr;
    bar.finish();
    if (c.json)
        std::cout << nais_sweep::sweep_document(job, r).dump(2) << '\n';
    else
        nais_sweep::write_summary(std::cout, job, r, c.rows);
    if (!c.front.empty())
        write_file(c.front, [&](std::ostream& os) { nais_sweep::write_csv(os, job, r.front); });
    if (!c.points.empty())
        write_file(c.points, [&](std::ostream& os) { nais_sweep::write_csv(os, job, r.sample); });
    if (!c.svg.empty())
        write_file(c.svg, [&](std::ostream& os) { nais_sweep::write_svg(os, job, r); });
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const cli c = parse(argc, argv);
    const auto text = nais_cli::read_input(c.spec, "nais-sweep");
    if (!text)
        return 2;
    try {
        auto job = nais_sweep::read_sweep_text(*text, nais_cli::spec_directory(c.spec));
        return std::visit([&](auto& j) { return run(j, c); }, job);
    } catch (const std::exception& e) {
        nais_cli::report("nais-sweep", e.what());
        return 2;
    }
}
