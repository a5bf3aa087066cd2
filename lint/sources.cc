#include "sources.h"

#include <stdexcept>

#include "bitbucket.h"
#include "ci_yaml.h"
#include "circleci.h"
#include "gitlab_ci.h"
#include "makefile.h"
#include "package_json.h"
#include "woodpecker_drone.h"

namespace pm2guard::lint {

namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string name_of(const fs::path& p) { return p.filename().string(); }

bool is_yaml_name(std::string_view name) { return ends_with(name, ".yml") || ends_with(name, ".yaml"); }

// Directly in <.github|.gitea|.forgejo>/workflows: the forges read no
// subdirectory of it.
bool in_workflows_dir(const fs::path& p) {
  fs::path dir = p.parent_path();
  if (dir.filename() != "workflows") return false;
  fs::path forge = dir.parent_path().filename();
  return forge == ".github" || forge == ".gitea" || forge == ".forgejo";
}

bool never(const fs::path&) { return false; }

// Hands a reader's units to the batch function, kScriptBatch at a time.
void hand_over(std::vector<ScriptUnit>& units, ExtractResult& r, const ScriptBatchFn& b) {
  UnitBatches out(r, b);
  for (ScriptUnit& u : units) out.push(std::move(u));
  out.finish();
}

// --- workflows and actions (workflow.cc) ---

bool workflow_found(const fs::path& p) { return is_yaml_name(name_of(p)) && in_workflows_dir(p); }
bool action_named(const fs::path& p) {
  std::string n = name_of(p);
  return n == "action.yml" || n == "action.yaml";
}
ExtractResult workflow_extract(const SourceFile& f, const ScriptBatchFn& b) {
  return extract_scripts(f, YamlKind::Workflow, b);
}
ExtractResult action_extract(const SourceFile& f, const ScriptBatchFn& b) { return extract_scripts(f, YamlKind::Action, b); }
bool yaml_named(const fs::path& p) { return is_yaml_name(name_of(p)); }
ExtractResult yaml_extract(const SourceFile& f, const ScriptBatchFn& b) { return extract_scripts(f, YamlKind::Auto, b); }

// --- shell scripts: the whole file is one script ---

bool shell_named(const fs::path& p) {
  std::string n = name_of(p);
  return ends_with(n, ".sh") || ends_with(n, ".bash");
}
ExtractResult shell_extract(const SourceFile& f, const ScriptBatchFn& b) {
  ExtractResult r;
  ScriptUnit unit;
  unit.text = MappedText::verbatim(f.text, 0);
  unit.origin = ScriptOrigin::ShellFile;
  unit.label = f.path;
  r.scripts.push_back(std::move(unit));
  b(r.scripts);
  r.scripts.clear();
  return r;
}

// --- package.json (package_json.cc) ---

bool package_json_named(const fs::path& p) { return name_of(p) == "package.json"; }
ExtractResult package_json_extract(const SourceFile& f, const ScriptBatchFn& b) {
  PackageScripts pkg = read_package_json(f);
  ExtractResult r;
  r.error = std::move(pkg.error);
  hand_over(pkg.scripts, r, b);
  return r;
}

// --- Makefiles (makefile.cc) ---

bool makefile_named(const fs::path& p) {
  std::string n = name_of(p);
  return n == "Makefile" || n == "GNUmakefile" || n == "makefile" || ends_with(n, ".mk");
}
ExtractResult makefile_extract(const SourceFile& f, const ScriptBatchFn& b) {
  Makefile mk = read_makefile(f);
  ExtractResult r;
  // What the grammar could not read is reported where it is: its recipe
  // lines are not linted, which must not pass in silence.
  for (const Makefile::Unread& u : mk.unread) r.limits.push_back({u.begin, "not read: " + u.message});
  hand_over(mk.recipes, r, b);
  return r;
}

// --- GitLab CI (gitlab_ci.cc) ---

// `.gitlab-ci.yml`, `*.gitlab-ci.yml`, and the YAML files of the folders
// projects keep their included CI files in.
bool gitlab_found(const fs::path& p) {
  std::string n = name_of(p);
  if (n == ".gitlab-ci.yml" || n == ".gitlab-ci.yaml" || ends_with(n, ".gitlab-ci.yml") || ends_with(n, ".gitlab-ci.yaml"))
    return true;
  if (!is_yaml_name(n)) return false;
  fs::path dir = p.parent_path();
  return dir.filename() == ".gitlab-ci" || (dir.filename() == "ci" && dir.parent_path().filename() == ".gitlab");
}

// --- Woodpecker and Drone (woodpecker_drone.cc) ---

bool woodpecker_drone_found(const fs::path& p) {
  std::string n = name_of(p);
  if (n == ".woodpecker.yml" || n == ".woodpecker.yaml" || n == ".drone.yml" || n == ".drone.yaml") return true;
  return is_yaml_name(n) && p.parent_path().filename() == ".woodpecker";
}

// --- Bitbucket (bitbucket.cc), CircleCI (circleci.cc) ---

bool bitbucket_found(const fs::path& p) {
  std::string n = name_of(p);
  return n == "bitbucket-pipelines.yml" || n == "bitbucket-pipelines.yaml";
}
bool circleci_found(const fs::path& p) {
  std::string n = name_of(p);
  return (n == "config.yml" || n == "config.yaml") && p.parent_path().filename() == ".circleci";
}

const std::vector<SourceKind> kKinds = {
    {InputKind::Workflow, "github-workflow", "a GitHub, Gitea or Forgejo workflow", workflow_found, workflow_found,
     workflow_extract},
    {InputKind::Action, "composite-action", "a composite action", action_named, action_named, action_extract},
    {InputKind::GitlabCi, "gitlab-ci", "a GitLab CI file", gitlab_found, gitlab_found, read_gitlab_ci},
    {InputKind::WoodpeckerDrone, "woodpecker-drone", "a Woodpecker or Drone pipeline", woodpecker_drone_found,
     woodpecker_drone_found, read_woodpecker_drone},
    {InputKind::Bitbucket, "bitbucket", "a Bitbucket Pipelines file", bitbucket_found, bitbucket_found, read_bitbucket},
    {InputKind::CircleCi, "circleci", "a CircleCI config", circleci_found, circleci_found, read_circleci},
    {InputKind::PackageJson, "package-json", "a package.json (npm scripts)", package_json_named, package_json_named,
     package_json_extract},
    {InputKind::Makefile, "makefile", "a Makefile", makefile_named, makefile_named, makefile_extract},
    {InputKind::Shell, "shell-script", "a shell script", never, shell_named, shell_extract},
    // Another YAML file named on the command line: a workflow or action by content.
    {InputKind::Yaml, "yaml", "a workflow or action (decided by content)", never, yaml_named, yaml_extract},
};

}  // namespace

const std::vector<SourceKind>& source_kinds() { return kKinds; }

const SourceKind& source_kind(InputKind kind) {
  for (const SourceKind& k : kKinds)
    if (k.kind == kind) return k;
  throw std::logic_error("no source kind registered");
}

}  // namespace pm2guard::lint
