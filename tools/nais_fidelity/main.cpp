// nais-fidelity: writes docs/fidelity.md, how far each nais device family is from measured hardware
// (or from the published model it follows, said which), from the data in ../shared/data/measured/:
//   nais-fidelity --shared ../shared/data --source . > docs/fidelity.md    (scripts/fidelity.sh)
// Every figure is computed here, by the library, from the files; tests/fidelity_golden compares
// the output with the committed page, so a change of model that moves a figure changes the page.
#include "fidelity.hpp"

#include <cli_io.hpp>

#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
    std::string shared, source = ".";
    nais_cli::parse_arguments(argc, argv, "nais-fidelity",
                              "usage: nais-fidelity --shared DIR [--source DIR]\n"
                              "  --shared DIR   the shared data folder (DIR/measured/... ; CI: ../shared/data)\n"
                              "  --source DIR   the project's root (examples/, for the spaces and networks; default .)\n",
                              [&](const std::string& a, int& k) {
                                  if (a != "--shared" && a != "--source")
                                      return false;
                                  if (k + 1 >= argc)
                                      nais_cli::bad_usage("nais-fidelity", a + " needs a directory");
                                  (a == "--shared" ? shared : source) = argv[++k];
                                  return true;
                              });
    if (shared.empty())
        nais_cli::bad_usage("nais-fidelity", "--shared DIR is required");
    try {
        std::cout << nais_fidelity::page(shared, source);
        return 0;
    } catch (const std::exception& e) {
        nais_cli::report("nais-fidelity", e.what());
        return 2;
    }
}
