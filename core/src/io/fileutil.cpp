#include "io/fileutil.h"
#include "pretext/paths.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace pretext::io {

namespace fs = std::filesystem;

void writeFileAtomic(const std::string& path, const void* data, std::size_t size) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  const auto* p = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(err) +
                               " (the previous file, if any, is kept)");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(err) +
                             " (the previous file, if any, is kept)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot replace " + path + ": " + std::strerror(err));
  }
  // The rename itself reaches the disk with the folder's next sync: ask for it now (best effort),
  // so that a power cut right after a checkpoint does not bring the old one back.
  const std::string folder = fs::path(path).parent_path().string();
  const int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void appendToFile(const std::string& path, const std::string& text, const std::string& header) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  const off_t before = ::lseek(fd, 0, SEEK_END);
  const std::string data = before == 0 ? header + text : text;
  std::size_t done = 0;
  int err = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
    done += std::size_t(n);
  }
  if (err != 0 && before >= 0) {
    const int cut = ::ftruncate(fd, before);  // best effort: the error below is the one to report
    (void)cut;
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(err) +
                             " (what was written before is kept)");
  }
}

void writeFileAtomic(const std::string& path, const std::string& text) {
  writeFileAtomic(path, text.data(), text.size());
}

std::vector<std::uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) throw std::runtime_error("cannot read " + path);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw std::runtime_error("cannot read " + path + " (read error after " +
                             std::to_string(in.gcount()) + " bytes)");
  }
  return bytes;
}

std::string readTextFile(const std::string& path) {
  const auto bytes = readFile(path);
  return std::string(bytes.begin(), bytes.end());
}

bool fileExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool isDirectory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

void makeDirectories(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec && !fs::is_directory(path)) {
    throw std::runtime_error("cannot create folder " + path + ": " + ec.message());
  }
}

void removeStaleTemporaries(const std::string& folder) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (e.is_regular_file(ec) && e.path().filename().string().find(".tmp.") != std::string::npos) {
      fs::remove(e.path(), ec);
    }
  }
}

std::string joinPath(const std::string& a, const std::string& b) {
  return (fs::path(a) / b).string();
}

}  // namespace pretext::io

namespace pretext {

namespace fs = std::filesystem;

std::string pathInsideRun(const std::string& runDir, const std::string& name) {
  const auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("'" + name + "' cannot be written inside the run folder " + runDir + ": " + why);
  };
  if (runDir.empty()) throw std::invalid_argument("no run folder to write '" + name + "' into");
  if (name.empty()) refuse("the name is empty");
  if (name.find('\0') != std::string::npos) refuse("the name holds a NUL byte");
  const fs::path relative(name);
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) refuse("it is an absolute path");
  for (const auto& part : relative) {
    if (part == "..") refuse("it climbs out with '..'");
  }
  const fs::path full = fs::path(runDir) / relative.lexically_normal();
  // A symbolic link inside the run folder (views -> /etc) must not lead out of it either.
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::path(runDir), ec);
  const fs::path resolved = ec ? fs::path() : fs::weakly_canonical(full, ec);
  if (ec) refuse(ec.message());
  const auto mismatch = std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
  if (mismatch.first != root.end()) refuse("it leads out through a symbolic link to " + resolved.string());
  if (mismatch.second == resolved.end()) refuse("it names the run folder itself");
  return full.string();
}

std::string safeFileName(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.';
    out += keep ? c : '_';
    if (out.size() == 100) break;
  }
  for (std::size_t i = 0; i < out.size() && out[i] == '.'; ++i) out[i] = '_';
  return out.empty() ? "unnamed" : out;
}

}  // namespace pretext
