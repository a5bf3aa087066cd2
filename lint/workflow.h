// The YAML stage of the linter: from a workflow or composite action file to
// the shell scripts it runs, each with its shell, its constant environment
// and a byte-exact map back into the file.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mapped_text.h"
#include "source.h"

namespace pm2guard::lint {

/// A variable's value as the script will see it.
struct EnvValue {
  std::string value;    ///< the value when literal; the source spelling otherwise
  bool literal = true;  ///< false when it holds a ${{ }} expression or is otherwise unknown
};
/// Env names in the order of their ASCII lower-case spelling, then of their
/// bytes: the names an expression may mean (`${{ env.u }}` reads `U` or
/// `u`) sit side by side, found with a `Folded` key.
struct EnvOrder {
  using is_transparent = void;
  /// A lower-case name: compares equal to every spelling of it.
  struct Folded {
    std::string_view lower;
  };
  static int fold_compare(std::string_view a, std::string_view b);
  bool operator()(std::string_view a, std::string_view b) const {
    int c = fold_compare(a, b);
    return c != 0 ? c < 0 : a < b;
  }
  bool operator()(Folded a, std::string_view b) const { return fold_compare(a.lower, b) < 0; }
  bool operator()(std::string_view a, Folded b) const { return fold_compare(a, b.lower) < 0; }
};
/// One level's env (a workflow's, a job's, a step's): a sorted array, 72
/// bytes a name. Filled with set(), a later set of a name winning, then
/// sealed (Env does) before it is read.
class EnvMap {
 public:
  using Entry = std::pair<std::string, EnvValue>;
  EnvMap() = default;
  EnvMap(std::initializer_list<Entry> entries) : entries_(entries) { seal(); }
  void reserve(size_t n) { entries_.reserve(n); }
  void set(std::string name, EnvValue value) {
    entries_.emplace_back(std::move(name), std::move(value));
    sealed_ = false;
  }
  /// Sorts in EnvOrder, keeping the last value set of each name.
  void seal();
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  /// Of a sealed map: the entry of a name spelled exactly, or null.
  const EnvValue* find(std::string_view name) const;
  /// Of a sealed map: the entries of every spelling of a lower-case name.
  std::pair<std::vector<Entry>::const_iterator, std::vector<Entry>::const_iterator> equal_range(
      EnvOrder::Folded name) const;

 private:
  std::vector<Entry> entries_;
  bool sealed_ = true;
};

/// The values a CI context reference may take (`inputs.app`, `matrix.target`,
/// `env.T`), as the workflow itself declares them.
struct ContextValues {
  std::vector<std::string> values;
  /// The reference takes one of `values` and nothing else (a `choice`
  /// input's options, a matrix axis without include/exclude, a constant env).
  bool complete = false;
};
/// Keyed by the reference as written in an expression, lower-case, without
/// spaces: "inputs.app", "github.event.inputs.app", "matrix.target". The
/// `env.*` references are read from the step's env itself
/// (context_values).
using ContextMap = std::map<std::string, ContextValues>;

/// A map shared by the scripts that see the same one (the steps of a job
/// without an env: of their own share the job's), copied on first change.
/// A job's contexts are one table for all its steps.
template <typename M>
class SharedMap {
 public:
  SharedMap() = default;
  SharedMap(M m) : p_(std::make_shared<M>(std::move(m))) {}  // NOLINT: implicit, like the map
  operator const M&() const { return get(); }                         // NOLINT
  const M& get() const {
    static const M empty;
    return p_ ? *p_ : empty;
  }
  bool empty() const { return get().empty(); }
  size_t size() const { return get().size(); }
  auto begin() const { return get().begin(); }
  auto end() const { return get().end(); }
  auto find(const typename M::key_type& k) const { return get().find(k); }
  size_t count(const typename M::key_type& k) const { return get().count(k); }
  /// The map to change: this holder's own copy once another shares it.
  M& mut() {
    if (!p_ || p_.use_count() > 1) p_ = std::make_shared<M>(get());
    return *p_;
  }
  typename M::mapped_type& operator[](const typename M::key_type& k) { return mut()[k]; }
  bool shares_with(const SharedMap& o) const { return p_ && p_ == o.p_; }

 private:
  std::shared_ptr<M> p_;
};

/// The env a script sees, as layers (workflow, job, step) each shared by
/// every script below it, a later layer's names winning: a workflow with
/// 50,000 env keys costs one table however many jobs and steps add their
/// own.
class Env {
 public:
  Env() = default;
  explicit Env(EnvMap own) { *this = Env().with(std::move(own)); }
  /// This env with `own` over it (this env itself when `own` is empty).
  Env with(EnvMap own) const;
  /// The value of a name, spelled exactly; null when unset.
  const EnvValue* find(std::string_view name) const;
  bool empty() const { return !top_; }
  /// How many names are visible.
  size_t size() const {
    size_t n = 0;
    for_each([&](std::string_view, const EnvValue&) { ++n; });
    return n;
  }
  /// The visible spellings of a lower-case name (`u`: `U`, `u`), in byte
  /// order, each with its value.
  std::vector<std::pair<std::string_view, const EnvValue*>> spellings(std::string_view lower) const;
  /// Every visible name with its value, each once, in EnvOrder.
  template <typename F>
  void for_each(F&& f) const {
    std::map<std::string_view, const EnvValue*, EnvOrder> seen;
    for (const Layer* l = top_.get(); l; l = l->parent.get())
      for (const auto& [name, v] : l->own) seen.emplace(name, &v);
    for (const auto& [name, v] : seen) f(name, *v);
  }
  bool shares_with(const Env& o) const { return top_ && top_ == o.top_; }

 private:
  struct Layer {
    std::shared_ptr<const Layer> parent;
    EnvMap own;
  };
  std::shared_ptr<const Layer> top_;
};

enum class ScriptOrigin {
  RunStep,       ///< a `run:` of a workflow job step or a composite action step
  RemoteScript,  ///< a script input of an ssh action (appleboy/ssh-action `script:` ...)
  ShellFile,     ///< a shell script file
};

struct ScriptUnit {
  /// The script text exactly as the shell receives it (YAML decoding done;
  /// `${{ }}` expressions still in place), mapped to file offsets.
  MappedText text;
  std::string shell = "bash";  ///< "bash" or "sh": the linted dialects
  ScriptOrigin origin = ScriptOrigin::RunStep;
  /// Constants the script can read: workflow, job and step `env:` (for ssh
  /// actions, the step's env restricted to its `envs:` list), later levels
  /// overriding earlier ones.
  Env env;
  /// What the workflow declares about the context references its
  /// expressions read (inputs, matrix).
  SharedMap<ContextMap> contexts;
  /// The env `${{ env.X }}` reads: the step's whole env (for an ssh action's
  /// script too, although only `envs:` reach the host).
  Env expression_env;
  /// Where the script sits, for messages: "jobs.deploy.steps[2].run".
  std::string label;
  /// File offset of the key that holds the script (`run:` / `script:`): the
  /// position used when nothing more exact is known.
  uint32_t anchor = 0;
  /// The action that runs the script remotely, if any ("appleboy/ssh-action";
  /// for a docker step, the image: "docker://appleboy/drone-ssh").
  std::string action;
};

enum class YamlKind {
  Auto,      ///< decide from the content: `jobs:` -> workflow, `runs:` -> action
  Workflow,
  Action,
};

struct ExtractResult {
  std::vector<ScriptUnit> scripts;
  /// Set when the file is not valid YAML, or is valid YAML but neither a
  /// workflow nor an action (e.g. a pm2 ecosystem file under .github/workflows).
  /// On invalid YAML, `scripts` still holds the scripts parsed before the
  /// error (a later step may have broken the file; the earlier ones are sound).
  /// Also set, at the second document's start, for a file holding more than
  /// one YAML document; `scripts` then holds the first document's.
  std::optional<FileError> error;
  /// True for a valid action that runs no shell (`runs.using: node20`,
  /// `docker`): nothing to lint, not an error.
  bool nothing_to_lint = false;
  /// Analysis limits the YAML stage reached (a mapping merging more
  /// mappings than are followed): where, as a file offset, and what. The
  /// file is still linted; the driver reports each as a warning.
  struct Limit {
    uint32_t offset = 0;
    std::string message;
  };
  std::vector<Limit> limits;
};

ExtractResult extract_scripts(const SourceFile& file, YamlKind kind = YamlKind::Auto);

/// Receives the scripts of a file a few at a time, in file order, to
/// analyse them while the rest are extracted; it may empty the vector.
using ScriptBatchFn = std::function<void(std::vector<ScriptUnit>&)>;
/// At most this many scripts are held at once by extract_scripts with a
/// ScriptBatchFn: a workflow of 20,000 steps is not 20,000 copies of them.
constexpr size_t kScriptBatch = 64;
/// As above, handing the scripts to `on_batch` as they are found;
/// `scripts` of the result is then empty.
ExtractResult extract_scripts(const SourceFile& file, YamlKind kind, const ScriptBatchFn& on_batch);

/// What a context reference of one of the unit's expressions may be
/// (`inputs.app`, `matrix.t`, `env.t`: lower-case, as in ContextMap): its
/// declared values, or for `env.<name>` the literal values of every
/// spelling of the name in the step's env (complete when all are literal).
/// Nothing when nothing is known of it.
std::optional<ContextValues> context_values(const ScriptUnit& unit, std::string_view ref);

/// Ssh actions whose inputs are shell scripts run on a remote host.
struct SshActionSpec {
  std::string_view repository;               ///< "appleboy/ssh-action" (lower case)
  std::vector<std::string_view> script_inputs;  ///< e.g. {"script"}
  std::string_view envs_input;               ///< input listing the env vars passed to the host ("" if none)
  /// Docker images that run the same tool with the same inputs
  /// (`uses: docker://appleboy/drone-ssh:1.7.4`), as normalise_docker_image
  /// spells them.
  std::vector<std::string_view> docker_images = {};
};
const std::vector<SshActionSpec>& ssh_actions();

/// The ssh action a `uses:` value runs, by repository or docker image; null
/// when it is none of them.
const SshActionSpec* find_ssh_action(std::string_view uses);

/// Reduces a `uses:` value to a lower-case "owner/repo" (path and @ref
/// dropped), accepting Gitea's full-URL form `https://host/owner/repo@ref`.
/// Returns "" for local (`./x`) and docker (`docker://`) references.
std::string normalise_uses(std::string_view uses);

/// Reduces a `docker://` reference to its lower-case image name: tag and
/// digest dropped, Docker Hub's registry prefix (`docker.io/`,
/// `index.docker.io/`) and `library/` dropped, other registries kept
/// (`ghcr.io/appleboy/drone-ssh`). Returns "" for anything else.
std::string normalise_docker_image(std::string_view uses);

}  // namespace pm2guard::lint
