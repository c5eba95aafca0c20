// The subcommands of the `samd` program.
//
// To add a subcommand `foo`:
//   1. write cli/foo.cpp defining `void samd::cli::register_foo(CLI::App &app)`, which does
//      `auto *sub = app.add_subcommand("foo", "...");`, adds its options and sets
//      `sub->callback(...)`: throw an exception whose what() names the problem to print it and
//      exit 1 (main() does), or CLI::RuntimeError(code) to exit with that code;
//   2. declare register_foo below and add it to commands();
//   3. add foo.cpp to SAMD_CLI_SOURCES in cli/CMakeLists.txt.
#pragma once

#include <CLI/CLI.hpp>

#include <vector>

namespace samd::cli {

using Registrar = void (*)(CLI::App &);

// --- declarations, one per subcommand (defined in cli/<name>.cpp) -----------------------------
void register_table(CLI::App &app);
void register_bench(CLI::App &app);
void register_infer(CLI::App &app);
#ifdef SAMD_CLI_PROVE
void register_prove(CLI::App &app); // cli/prove.cpp, built when SAMD_PROOFS=ON
#endif

// --- the list main() registers, in --help order ---------------------------------------------
inline std::vector<Registrar> commands() {
  return {
      // Subcommands are registered here, e.g.:
      &register_table,
      &register_bench,
      &register_infer,
#ifdef SAMD_CLI_PROVE
      &register_prove,
#endif
  };
}

} // namespace samd::cli
