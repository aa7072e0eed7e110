// nais-fit: a latency model fitted to measured networks of your device (docs/devices/calibrated.md):
//   nais-fit SPEC.json [--json] [--predictions OUT.csv] [--save MODEL.json] [--table OUT.csv]
// prints the fitted model and, on the spec's test rows, its MAPE, share within +-10%, Kendall tau
// and Spearman next to a linear fit of MACs and a per-(block, op) table fitted to the same rows.
// A malformed spec or measurement file exits with status 2 and one line naming the key or
// file:line.
#include <nais_eval/calibrated_reader.hpp>

#include <cli_io.hpp>

#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    bool as_json = false;
    std::string predictions, save, table;
    const std::string spec = nais_cli::parse_arguments(
        argc, argv, "nais-fit",
        "usage: nais-fit [options] SPEC.json   (reads stdin for -)\n"
        "  --json               print the document instead of the report\n"
        "  --predictions FILE   write choice,measured,predicted for every test row\n"
        "  --save FILE          write the fitted model (nais-eval's \"calibrated\" device loads it)\n"
        "  --table FILE         write the model as a GPU-style latency table (nais CSV, by op signature)\n",
        [&](const std::string& a, int& k) {
            const auto value = [&]() -> std::string {
                if (k + 1 >= argc)
                    nais_cli::bad_usage("nais-fit", a + " needs a file name");
                return argv[++k];
            };
            if (a == "--json")
                as_json = true;
            else if (a == "--predictions")
                predictions = value();
            else if (a == "--save")
                save = value();
            else if (a == "--table")
                table = value();
            else
                return false;
            return true;
        });
    const auto text = nais_cli::read_input(spec, "nais-fit");
    if (!text)
        return 2;
    try {
        const std::string dir = nais_cli::spec_directory(spec);
        const nais_json::json doc = nais_json::parse(*text);
        const nais_json::json r = nais_eval::run_fit(doc, dir);
        const auto write = [](const std::string& path, const std::string& what, const std::string& content) {
            std::ofstream out(path);
            if (!out || !(out << content))
                throw nais_json::spec_error(what + ": cannot write '" + path + "'");
        };
        if (!predictions.empty()) {
            if (!r.contains("predictions"))
                throw nais_json::spec_error("--predictions: the spec has no \"test\" rows");
            std::string csv = "choice,measured,predicted\n";
            for (const auto& p : r["predictions"])
                csv += p[0].get<std::string>() + "," + p[1].dump() + "," + p[2].dump() + "\n";
            write(predictions, "--predictions", csv);
        }
        if (!save.empty())
            write(save, "--save", r["model"].dump(1) + "\n");
        if (!table.empty())
            write(table, "--table", nais_eval::fit_latency_table(doc, dir, r["model"]));
        if (as_json) {
            nais_json::json shown = r;
            shown.erase("predictions");  // --predictions writes them
            std::cout << shown.dump(2) << '\n';
        } else {
            std::cout << nais_eval::fit_report(r);
        }
        return 0;
    } catch (const std::exception& e) {
        nais_cli::report("nais-fit", e.what());
        return 2;
    }
}
