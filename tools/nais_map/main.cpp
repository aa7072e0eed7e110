// nais-map: multi-stream workloads on a heterogeneous platform (README: nais-map). Runs H2H's
// mapper steps (computation-prioritised mapping, weight locality, activation locality,
// communication-aware remapping), optionally the modality switch and the exact optimum, and
// prints each step's makespan, energy and schedule (--json: the document); --gantt FILE writes
// the schedules as a Gantt chart. A malformed spec or bad option exits with status 2 and a
// one-line message.
#include <nais_eval/map_reader.hpp>

#include <cli_io.hpp>

int main(int argc, char** argv) {
    return nais_cli::document_tool(
        argc, argv, "nais-map",
        "usage: nais-map [options] [spec.json]   (reads stdin when no file is given, or for -)\n"
        "  --json          print the result as JSON instead of tables\n"
        "  --gantt FILE    write the schedules as an SVG Gantt chart\n",
        "--gantt",
        [](const std::string& text, const std::string& dir, bool) { return nais_eval::run_map(nais_eval::read_map_text(text, dir)); },
        nais_eval::map_tables, nais_eval::map_gantt_svg);
}
