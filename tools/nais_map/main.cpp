// nais-map: multi-stream workloads on a heterogeneous platform (README: nais-map). Runs H2H's
// mapper steps (computation-prioritised mapping, weight locality, activation locality,
// communication-aware remapping), optionally the modality switch and the exact optimum, and
// prints each step's makespan, energy and schedule (--json: the document); --gantt FILE writes
// the schedules as a Gantt chart. A malformed spec or bad option exits with status 2 and a
// one-line message.
#include <nais_eval/map_spec.hpp>

#include <cli_io.hpp>

#include <fstream>
#include <iostream>

namespace {

const char* usage =
    "usage: nais-map [options] [spec.json]   (reads stdin when no file is given, or for -)\n"
    "  --json          print the result as JSON instead of tables\n"
    "  --gantt FILE    write the schedules as an SVG Gantt chart\n";

struct cli {
    std::string spec = "-";
    bool json = false;
    std::string gantt;
};

cli parse(int argc, char** argv) {
    cli c;
    c.spec = nais_cli::parse_arguments(argc, argv, "nais-map", usage, [&](const std::string& a, int& k) {
        if (a == "--json") {
            c.json = true;
        } else if (a == "--gantt") {
            if (k + 1 >= argc)
                nais_cli::bad_usage("nais-map", "--gantt needs a file name");
            c.gantt = argv[++k];
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
    const auto text = nais_cli::read_input(c.spec, "nais-map");
    if (!text)
        return 2;
    try {
        const nais_eval::map_job job = nais_eval::read_map_text(*text, nais_cli::spec_directory(c.spec));
        const nais_eval::json result = nais_eval::run_map(job);
        if (!c.gantt.empty()) {
            std::ofstream out(c.gantt);
            if (!out)
                throw nais_eval::spec_error("--gantt: cannot write '" + c.gantt + "'");
            out << nais_eval::map_gantt_svg(result);
        }
        if (c.json)
            std::cout << result.dump(2) << "\n";
        else
            std::cout << nais_eval::map_tables(result);
        return 0;
    } catch (const std::exception& e) {
        nais_cli::report("nais-map", e.what());
        return 2;
    }
}
