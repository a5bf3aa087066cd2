// Which files `pm2guard lint` reads: the files of every source kind
// (sources.h) found under a directory, and any file named on the command
// line.
#pragma once

#include <string>
#include <vector>

#include "source.h"

namespace pm2guard::lint {

enum class InputKind {
  Workflow,  ///< under .github/.gitea/.forgejo workflows
  Action,    ///< action.yml / action.yaml
  Yaml,      ///< another YAML file named on the command line: decided by content
  Shell,     ///< *.sh, *.bash, or a sh/bash shebang
  PackageJson,  ///< package.json: npm scripts
  Makefile,     ///< Makefile, GNUmakefile, makefile, *.mk
  GitlabCi,     ///< .gitlab-ci.yml and the files it includes by name
  WoodpeckerDrone,  ///< .woodpecker.yml, .woodpecker/*.yml, .drone.yml
  Bitbucket,        ///< bitbucket-pipelines.yml
  CircleCi,         ///< .circleci/config.yml
};

struct InputFile {
  std::string path;
  InputKind kind = InputKind::Yaml;
};

/// Expands the command-line paths. A path that does not exist, or a named
/// file of no known kind, becomes an error; the others are still returned.
std::vector<InputFile> discover(const std::vector<std::string>& paths, std::vector<FileError>& errors);

/// Whether a file's first line is a shebang naming a POSIX shell.
bool has_shell_shebang(const std::string& first_line);

}  // namespace pm2guard::lint
