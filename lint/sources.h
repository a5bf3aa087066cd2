// The family of sources: every kind of file the linter reads, each with how
// a directory search and a file named on the command line recognise it,
// and the reader that turns it into script units for the one shell
// analysis. One line of the registry (sources.cc) per kind; the reader of
// each kind lives in a file of its own (workflow.cc, package_json.cc,
// makefile.cc, gitlab_ci.cc, woodpecker_drone.cc, bitbucket.cc,
// circleci.cc).
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "discover.h"
#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

struct SourceKind {
  InputKind kind;
  std::string_view id;           ///< "github-workflow", "package-json", ...: for docs and messages
  std::string_view description;  ///< "a GitHub, Gitea or Forgejo workflow"
  /// Whether a directory search lints the file at `path` (a regular file;
  /// its name and the directories above it decide, never its content).
  bool (*found_by_search)(const std::filesystem::path& path);
  /// Whether a file named on the command line is of this kind by its name
  /// alone (the shebang of a shell script is checked by discover).
  bool (*named)(const std::filesystem::path& path);
  /// Reads the file's scripts, handing them to `on_batch` as they are found
  /// (ExtractResult::scripts then stays empty); the error and limits of the
  /// result as extract_scripts gives them.
  ExtractResult (*extract)(const SourceFile& file, const ScriptBatchFn& on_batch);
};

/// Every kind, in the order a name is matched (the first that claims a file
/// has it).
const std::vector<SourceKind>& source_kinds();
/// The entry of one kind.
const SourceKind& source_kind(InputKind kind);

}  // namespace pm2guard::lint
