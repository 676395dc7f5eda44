// pretext-cli: the headless face of the training core, for scripts and GPU servers. The command
// line is parsed by CLI11; each subcommand declares its options in its own file (commands.h).
#include "commands.h"

#include <pretext/dataset.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <exception>
#include <iostream>

using namespace pretext::cli;

int main(int argc, char** argv) {
  CLI::App app{"pretext-cli: self-supervised visual representation learning, headless", "pretext-cli"};
  app.set_version_flag("--version", "pretext-cli " PRETEXT_VERSION);
  app.require_subcommand(1);
  app.footer("pretext-cli COMMAND --help for a command's options.");
  const std::vector<Command> commands{addDatasets(app), addInspect(app), addMethods(app), addTrain(app),
                                      addEval(app),     addViews(app),   addCompare(app),
                                      addPrepare(app),  addStatus(app)};

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cout << app.help();
    return 2;
  }
  // `pretext-cli help [COMMAND]` is `pretext-cli [COMMAND] --help`.
  if (args[0] == "help") {
    args.erase(args.begin());
    args.insert(args.begin() + std::min<std::ptrdiff_t>(1, std::ptrdiff_t(args.size())), "--help");
  }
  const bool known = std::any_of(commands.begin(), commands.end(), [&](const Command& c) { return c.app->get_name() == args[0]; });
  if (!known && args[0].rfind('-', 0) != 0) {
    std::cerr << "pretext-cli: unknown command '" << args[0] << "'\n\n" << app.help();
    return 2;
  }
  const std::string command = known ? args[0] : std::string();
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
      // CLI11's own message lists a subcommand's extras last first.
      std::vector<std::string> extras = app.remaining();
      for (const auto& c : commands) {
        if (c.app->parsed()) extras = c.app->remaining();
      }
      message = "unknown option or argument:";
      for (const auto& a : extras) message += " " + a;
    }
    std::cerr << "pretext-cli" << (command.empty() ? "" : " " + command) << ": " << message << "\n(see pretext-cli "
              << (command.empty() ? "" : command + " ") << "--help)\n";
    return 2;
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
    return 2;
  } catch (const pretext::DatasetError& e) {
    std::cerr << "pretext-cli: dataset error: " << e.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "pretext-cli: " << e.what() << "\n(see pretext-cli " << command << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pretext-cli: " << e.what() << "\n";
    return 1;
  }
}
