// The CLI's commands; each returns the process exit code.
#pragma once

#include "args.h"

namespace pretext::cli {

int cmdDatasets(const Args& args);
int cmdInspect(const Args& args);
int cmdTrain(const Args& args);
int cmdMethods(const Args& args);
int cmdEval(const Args& args);
int cmdViews(const Args& args);
int cmdCompare(const Args& args);

void printTrainHelp();

/// Prints usage; `command` empty for the overview.
void printHelp(const std::string& command);

}  // namespace pretext::cli
