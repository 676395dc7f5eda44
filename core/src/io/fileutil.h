// Small file helpers shared by the readers and writers of the core.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pretext::io {

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed and fsync'ed, then
/// renamed over `path`. A crash leaves either the old file or the new one, never half a file.
/// Throws std::runtime_error naming the path (e.g. when the disk is full).
void writeFileAtomic(const std::string& path, const void* data, std::size_t size);
void writeFileAtomic(const std::string& path, const std::string& text);

/// Appends `text` to `path` (created when missing, starting with `header`) in one write; when the
/// disk fills up part-way, the file is cut back to its previous length, so it never ends in half
/// a line. Throws std::runtime_error naming the path.
void appendToFile(const std::string& path, const std::string& text, const std::string& header = "");

/// The whole file; throws std::runtime_error naming the path when it cannot be read.
std::vector<std::uint8_t> readFile(const std::string& path);
std::string readTextFile(const std::string& path);

bool fileExists(const std::string& path);
bool isDirectory(const std::string& path);
/// Creates the folder and its parents; throws naming the folder when it cannot.
void makeDirectories(const std::string& path);
/// Removes the temporary files a killed writeFileAtomic left in `folder` (names containing ".tmp.").
void removeStaleTemporaries(const std::string& folder);
std::string joinPath(const std::string& a, const std::string& b);

}  // namespace pretext::io
