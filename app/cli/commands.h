// The CLI's subcommands. Each adds itself to the application with its options and their help
// (CLI11 generates `pretext-cli COMMAND --help` from them) and returns what runs it once the
// command line is parsed.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace pretext::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  ///< the process exit code
};

Command addDatasets(CLI::App& app);
Command addInspect(CLI::App& app);
Command addMethods(CLI::App& app);
Command addTrain(CLI::App& app);
Command addEval(CLI::App& app);
Command addViews(CLI::App& app);
Command addCompare(CLI::App& app);
Command addPrepare(CLI::App& app);  ///< prepare.cpp
Command addStatus(CLI::App& app);   ///< status.cpp

/// An option taking a number, read with pretext::parseNumber (a point, whatever the locale); help
/// shows `value` as its default, written with formatGeneral.
CLI::Option* addNumber(CLI::App& command, const std::string& name, double& value, const std::string& help);

/// "a,b,c" -> {"a", "b", "c"}; an empty item stays.
std::vector<std::string> splitList(const std::string& text);

}  // namespace pretext::cli
