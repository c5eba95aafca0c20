// samd -- command-line front end. Subcommands are defined in their own files and listed in
// commands.hpp; this file only wires them up.
#include "commands.hpp"

#include <samd_cli/version.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

int main(int argc, char **argv) {
  CLI::App app{"samd -- bit-precise SWAR integer arithmetic, with every arithmetic claim checked",
               "samd"};
  app.set_version_flag("--version", std::string("samd ") + samd::cli::kVersion);
  app.require_subcommand(0, 1);

  for (const auto registrar : samd::cli::commands()) {
    registrar(app);
  }

  CLI11_PARSE(app, argc, argv);

  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return 0;
}
