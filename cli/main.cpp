// samd -- command-line front end. Subcommands are defined in their own files and listed in
// commands.hpp; this file only wires them up and turns every error into one line on stderr and
// an exit status: 1 for bad input or a failed check, 2 for a malformed command line.
#include "commands.hpp"

#include <samd_cli/version.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

namespace {

// What CLI::RuntimeError(code) says when it was thrown with a code and no message.
bool has_message(const CLI::RuntimeError &e) { return std::string(e.what()) != "Runtime error"; }

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"samd -- bit-precise SWAR integer arithmetic, with every arithmetic claim checked",
               "samd"};
  app.set_version_flag("--version", std::string("samd ") + samd::cli::kVersion);
  app.require_subcommand(0, 1);

  for (const auto registrar : samd::cli::commands()) {
    registrar(app);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success &e) { // --help, --version
    return app.exit(e);
  } catch (const CLI::RuntimeError &e) { // a subcommand's exit status, with or without a message
    if (has_message(e))
      std::cerr << e.what() << "\n";
    return e.get_exit_code();
  } catch (const CLI::ParseError &e) { // CLI11's own App::exit prints a second line and 1xx codes
    const auto subs = app.get_subcommands();
    const std::string name = subs.empty() ? "samd" : "samd " + subs.back()->get_name();
    std::cerr << name << ": " << e.what() << " (see " << name << " --help)\n";
    return 2;
  } catch (const std::exception &e) { // a subcommand's error, which names what was wrong
    std::cerr << e.what() << "\n";
    return 1;
  }

  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return 0;
}
