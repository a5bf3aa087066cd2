// package.json as a source of shell scripts: every `scripts.<name>` entry npm
// would run, each with a byte-exact map back into the file, and the names
// that link `npm run NAME` (and its pre/post scripts) to them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

struct PackageScripts {
  /// One per script npm runs: the `scripts` members whose value is a
  /// string (npm drops the others), the last of duplicate names (as
  /// JSON.parse keeps it), in file order. Each runs with `sh -c` (shell
  /// "sh"), is labelled "scripts.<name>" and anchored at its key.
  std::vector<ScriptUnit> scripts;
  /// names[i] is the name of scripts[i], decoded.
  std::vector<std::string> names;
  /// Invalid JSON, at the position JSON.parse stops; `scripts` then holds
  /// those read in full before it.
  std::optional<FileError> error;

  /// Index of the script called `name`, or npos.
  size_t find(std::string_view name) const;
  /// What `npm run NAME` runs, in order: preNAME, NAME, postNAME, those the
  /// file defines; empty when it does not define NAME (npm then fails with
  /// "Missing script" and runs none of them).
  std::vector<size_t> run_sequence(std::string_view name) const;
  static constexpr size_t npos = static_cast<size_t>(-1);
};

/// Reads the scripts of a package.json.
PackageScripts read_package_json(const SourceFile& file);

}  // namespace pm2guard::lint
