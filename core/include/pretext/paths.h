// Names that come from users (an export, a view, a figure) turned into paths that stay inside the
// run folder they belong to.
#pragma once

#include <string>

namespace pretext {

/// `name` as a path inside `runDir`; subfolders are kept ("views/filters.png"). An empty name, an
/// absolute path, a ".." component, a NUL byte, or a path that leaves `runDir` through a symbolic
/// link throws std::invalid_argument naming it: nothing is ever written outside the run folder.
std::string pathInsideRun(const std::string& runDir, const std::string& name);

/// `text` as a single file name: letters, digits, '-', '_' and '.' are kept, anything else
/// (slashes included) becomes '_'; no leading '.'; at most 100 characters; "unnamed" when empty.
std::string safeFileName(const std::string& text);

}  // namespace pretext
