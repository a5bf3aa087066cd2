#include "discover.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "command_knowledge.h"
#include "sources.h"

namespace fs = std::filesystem;

namespace pm2guard::lint {

namespace {


// The first line of a regular file (at most 256 bytes); "" for anything
// else, which is never opened for a blocking read.
std::string first_line(const std::string& path) {
  std::string line = read_prefix(path, 256).value_or("");
  size_t nl = line.find('\n');
  if (nl != std::string::npos) line.resize(nl);
  return line;
}

}  // namespace

bool has_shell_shebang(const std::string& line) {
  if (line.rfind("#!", 0) != 0) return false;
  // `#!/bin/bash -e`, `#!/usr/bin/env bash`, `#!/usr/bin/env -S bash -e`
  std::string rest = line.substr(2);
  size_t i = 0;
  std::vector<std::string> words;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\r')) ++i;
    size_t b = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t' && rest[i] != '\r') ++i;
    if (i > b) words.push_back(rest.substr(b, i - b));
  }
  for (const std::string& w : words) {
    std::string_view base = basename_of(w);
    if (base == "env" || (!w.empty() && w[0] == '-')) continue;
    return base == "sh" || base == "bash" || base == "dash" || base == "zsh" || base == "ksh" || base == "ash";
  }
  return false;
}

std::vector<InputFile> discover(const std::vector<std::string>& paths, std::vector<FileError>& errors) {
  std::vector<InputFile> out;
  for (const std::string& arg : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      errors.push_back(FileError{arg, 0, 0, ec ? ec.message() : "No such file or directory"});
      continue;
    }
    if (fs::is_directory(st)) {
      std::vector<InputFile> found;
      fs::recursive_directory_iterator it(arg, fs::directory_options::skip_permission_denied, ec), end;
      if (ec) {
        errors.push_back(FileError{arg, 0, 0, ec.message()});
        continue;
      }
      for (; it != end; it.increment(ec)) {
        if (ec) {
          errors.push_back(FileError{it->path().string(), 0, 0, ec.message()});
          ec.clear();
          continue;
        }
        const fs::path& p = it->path();
        std::string name = p.filename().string();
        std::error_code sec;
        if (it->is_directory(sec)) {
          if (name == ".git" || name == "node_modules") it.disable_recursion_pending();
          continue;
        }
        const SourceKind* kind = nullptr;
        for (const SourceKind& k : source_kinds()) {
          if (k.found_by_search(p)) {
            kind = &k;
            break;
          }
        }
        if (!kind) continue;
        // A file of a known kind that is not a regular file (a FIFO, a
        // device, a link to nowhere) is an error, never read, never skipped
        // unseen.
        if (!it->is_regular_file(sec)) {
          std::string why = not_regular_reason(p.string());
          errors.push_back(FileError{p.string(), 0, 0, why.empty() ? "not a regular file" : why});
          continue;
        }
        found.push_back({p.string(), kind->kind});
      }
      std::sort(found.begin(), found.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
      out.insert(out.end(), found.begin(), found.end());
      continue;
    }
    // A named file that is not a regular file once links are followed (a
    // FIFO, /dev/zero, /dev/stdin) is an error naming what it is.
    if (std::string why = not_regular_reason(arg); !why.empty()) {
      errors.push_back(FileError{arg, 0, 0, why});
      continue;
    }
    fs::path p(arg);
    const SourceKind* kind = nullptr;
    for (const SourceKind& k : source_kinds()) {
      if (k.named(p)) {
        kind = &k;
        break;
      }
    }
    if (kind)
      out.push_back({arg, kind->kind});
    else if (has_shell_shebang(first_line(arg)))
      out.push_back({arg, InputKind::Shell});
    else
      errors.push_back(FileError{arg, 0, 0,
                                 "not a file pm2guard reads (a workflow, composite action, GitLab CI file, "
                                 "package.json, Makefile or shell script: .yml, .yaml, package.json, Makefile, "
                                 ".mk, .sh, .bash or a sh/bash shebang)"});
  }
  return out;
}

}  // namespace pm2guard::lint
