// A run folder's config.json read into a TrainConfig, for the window's places that want what a run
// trains: the Filters panel (its method), the Training panel (its batch, for a resume) and
// RunFollower (the followed run's settings).
#pragma once

#include <pretext/training.h>

#include <QString>

#include <optional>

/// What readRunConfig found: the configuration, or why there is none.
struct RunConfigRead {
  std::optional<pretext::TrainConfig> config;  ///< set when config.json was read
  QString error;  ///< why not, naming the file (translated); empty when the folder has no config.json (yet)
};

/// Reads `dir`/config.json. A folder without one is not an error: a run that is starting writes it
/// after the window learns its folder. A file that cannot be opened or is not a valid config gives
/// the error.
RunConfigRead readRunConfig(const QString& dir);
