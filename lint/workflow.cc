#include "workflow.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <fmt/format.h>

#include "yaml_tree.h"

namespace pm2guard::lint {

namespace {

using yaml::as;
using yaml::Entry;
using yaml::file_offset;
using yaml::find;
using yaml::find_all;
using yaml::for_each_entry;
using yaml::get;
using yaml::get_path;
using yaml::is_merge_key;
using yaml::Node;


// ---------------------------------------------------------------------------
// Shells, environment, actions.

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split_words(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    i = s.find_first_not_of(seps, i);
    if (i == std::string_view::npos) break;
    size_t j = s.find_first_of(seps, i);
    if (j == std::string_view::npos) j = s.size();
    words.push_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

// Programs a custom `shell:` may put before the interpreter: the runner
// writes the script to a file and runs the command with `{0}` replaced by
// the file's path, so `sudo -u deploy bash -e {0}` runs bash. The short
// options that take a value (`-u user`, `-n 10`), the long ones that do
// when written without `=`, and the operands before the program
// (`timeout 5m bash {0}`).
struct ShellWrapper {
  std::string_view name;
  std::string_view short_args;
  std::vector<std::string_view> long_args;
  int operands = 0;
  bool assignments = false;  // NAME=value words before the program (env)
};

const ShellWrapper* find_shell_wrapper(std::string_view name) {
  static const std::vector<ShellWrapper> k = {
      {"sudo", "CDghpRrtTUu",
       {"close-from", "chdir", "group", "host", "prompt", "chroot", "role", "type", "command-timeout", "other-user",
        "user"}},
      {"doas", "Cu", {}},
      {"env", "uC", {"unset", "chdir"}, 0, true},
      {"nice", "n", {"adjustment"}},
      {"ionice", "cnt", {"class", "classdata"}},
      {"nohup", "", {}},
      {"setsid", "", {}},
      {"stdbuf", "ioe", {"input", "output", "error"}},
      {"timeout", "ks", {"kill-after", "signal"}, 1},
      {"time", "fo", {"format", "output"}},
      {"command", "", {}},
      {"exec", "a", {}},
  };
  for (const ShellWrapper& w : k) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

// The dialect a `shell:` value runs, as the runner picks the program: the
// first word's base name (`/bin/bash --noprofile ... {0}` is bash), past
// wrappers such as `sudo -u deploy`, `env FOO=1` or `nice -n 10`. "" for
// shells that are not linted.
std::string resolve_shell(const Node* shell) {
  if (!shell || !shell->is(Node::Kind::Scalar)) return "bash";
  std::string_view spelled = shell->value;
  if (spelled.find("${{") != std::string_view::npos) return "bash";
  auto words = split_words(spelled, " \t\r\n");
  if (words.empty()) return "bash";
  auto program = [](std::string_view w) {
    size_t slash = w.find_last_of("/\\");
    if (slash != std::string_view::npos) w.remove_prefix(slash + 1);
    std::string name = lower(w);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".exe") == 0) name.resize(name.size() - 4);
    return name;
  };
  size_t i = 0;
  for (int hops = 0; i < words.size() && hops < 8; ++hops) {
    const ShellWrapper* w = find_shell_wrapper(program(words[i]));
    if (!w) break;
    ++i;
    while (i < words.size()) {
      std::string_view a = words[i];
      if (w->assignments && (a == "-" || (a.front() != '-' && a.find('=') != std::string_view::npos))) {
        ++i;  // `env -` (an empty environment), `env NAME=value`
        continue;
      }
      if (a.size() < 2 || a.front() != '-') break;
      ++i;
      if (a == "--") break;
      if (a[1] == '-') {
        std::string_view name = a.substr(2);
        if (name.find('=') == std::string_view::npos &&
            std::find(w->long_args.begin(), w->long_args.end(), name) != w->long_args.end())
          ++i;
        continue;
      }
      for (size_t c = 1; c < a.size(); ++c) {
        if (w->short_args.find(a[c]) == std::string_view::npos) continue;
        if (c + 1 == a.size()) ++i;  // `-u deploy`; `-udeploy` holds its value
        break;
      }
    }
    i += static_cast<size_t>(w->operands);
  }
  std::string name = i < words.size() ? program(words[i]) : "";
  if (name == "sh" || name == "dash" || name == "ash") return "sh";
  if (name == "bash" || name == "zsh" || name == "ksh") return "bash";
  return "";
}

// Applies an `env:` mapping over `env`. An `env:` that is not a mapping (a
// whole-map `${{ fromJSON(...) }}`) supplies no constants.
void apply_env(EnvMap& env, const Node* node) {
  size_t n = 0;
  for_each_entry(node, [&](const Node*, const Node*) { ++n; });
  env.reserve(env.size() + n);
  for_each_entry(node, [&](const Node* k, const Node* v) {
    if (!k->is(Node::Kind::Scalar)) return;
    if (v->is(Node::Kind::Null)) {
      env.set(std::string(k->value), EnvValue{"", true});
    } else if (v->is(Node::Kind::Scalar)) {
      env.set(std::string(k->value), EnvValue{std::string(v->value), v->value.find("${{") == std::string_view::npos});
    }
  });
}

EnvMap env_of(const Node* node) {
  EnvMap own;
  apply_env(own, node);
  return own;
}

// ---------------------------------------------------------------------------
// Context values: what `${{ inputs.x }}`, `${{ matrix.x }}` and
// `${{ env.X }}` may be, as the workflow declares it.

bool is_literal(const Node* n) {
  return n && n->is(Node::Kind::Scalar) && n->value.find("${{") == std::string::npos;
}

// How many values a reference is known to take: past this many (a choice
// input with thousands of options) it is only known at run time, as an
// input without options is, so that every use of it costs the same.
constexpr size_t kMaxDeclaredValues = 256;

void add_value(ContextValues& cv, std::string_view v) {
  if (std::find(cv.values.begin(), cv.values.end(), v) != cv.values.end()) return;
  if (cv.values.size() >= kMaxDeclaredValues) {
    cv.complete = false;
    return;
  }
  cv.values.emplace_back(v);
}

// Two declarations of one reference (an input of both workflow_dispatch and
// workflow_call, env names differing in case): either may apply.
void merge_context(ContextMap& ctx, const std::string& key, const ContextValues& cv) {
  auto [it, fresh] = ctx.try_emplace(key, cv);
  if (fresh) return;
  for (const std::string& v : cv.values) add_value(it->second, v);
  it->second.complete = it->second.complete && cv.complete;
}

// Entries that say nothing (no value known, other values possible).
void drop_empty(ContextMap& ctx) {
  for (auto it = ctx.begin(); it != ctx.end();) {
    it = it->second.values.empty() && !it->second.complete ? ctx.erase(it) : std::next(it);
  }
}

// One input's declared values: a choice input is one of its options, a
// boolean true or false; any other input may be anything its caller passes,
// its default included.
ContextValues input_values(const Node* spec) {
  ContextValues cv;
  const Node* type = as(get(spec, "type"), Node::Kind::Scalar);
  std::string t = type ? lower(type->value) : "";
  const Node* def = get(spec, "default");
  if (t == "boolean") {
    cv.values = {"true", "false"};
    cv.complete = true;
    return cv;
  }
  if (t == "choice") {
    const Node* options = as(get(spec, "options"), Node::Kind::Sequence);
    cv.complete = options && !options->items().empty();
    if (options) {
      for (const Node* o : options->items()) {
        if (is_literal(o)) {
          add_value(cv, o->value);
        } else {
          cv.complete = false;
        }
      }
    }
  }
  if (is_literal(def)) {
    add_value(cv, def->value);
  } else if (def && !def->is(Node::Kind::Null)) {
    cv.complete = false;
  }
  return cv;
}

// `inputs.<name>` and `github.event.inputs.<name>` of a workflow's
// workflow_dispatch and workflow_call triggers.
ContextMap workflow_inputs(const Node* on) {
  ContextMap ctx;
  for (std::string_view trigger : {"workflow_dispatch", "workflow_call"}) {
    const Node* inputs = as(get(get(on, trigger), "inputs"), Node::Kind::Mapping);
    for_each_entry(inputs, [&](const Node* k, const Node* spec) {
      if (!k->is(Node::Kind::Scalar)) return;
      ContextValues cv = input_values(spec);
      std::string name = lower(k->value);
      merge_context(ctx, "inputs." + name, cv);
      merge_context(ctx, "github.event.inputs." + name, cv);
    });
  }
  drop_empty(ctx);
  return ctx;
}

// `inputs.<name>` of a composite action: its default, and whatever the
// calling step passes.
ContextMap action_inputs(const Node* inputs) {
  ContextMap ctx;
  for_each_entry(as(inputs, Node::Kind::Mapping), [&](const Node* k, const Node* spec) {
    if (!k->is(Node::Kind::Scalar)) return;
    ContextValues cv;
    if (const Node* def = get(spec, "default"); is_literal(def)) add_value(cv, def->value);
    merge_context(ctx, "inputs." + lower(k->value), cv);
  });
  drop_empty(ctx);
  return ctx;
}

// `matrix.<key>` of a job's `strategy.matrix`: an axis given as a literal
// list is one of its items; `include:` entries add their values (to a key
// that is no axis too, which then stays open: the combinations an include
// does not reach leave it unset). Exclusions only remove combinations. A
// matrix, axis or include given as an expression says nothing.
void add_matrix(ContextMap& ctx, const Node* matrix) {
  if (!matrix || !matrix->is(Node::Kind::Mapping)) return;
  ContextMap axes;
  const Node* include = nullptr;
  for_each_entry(matrix, [&](const Node* k, const Node* v) {
    if (!k->is(Node::Kind::Scalar)) return;
    std::string key = lower(k->value);
    if (key == "include") include = v;
    if (key == "include" || key == "exclude") return;
    ContextValues cv;
    if (const Node* list = as(v, Node::Kind::Sequence)) {
      cv.complete = !list->items().empty();
      for (const Node* item : list->items()) {
        if (is_literal(item)) {
          add_value(cv, item->value);
        } else {
          cv.complete = false;
        }
      }
    }
    merge_context(axes, "matrix." + key, cv);
  });
  if (include && !include->is(Node::Kind::Null)) {
    bool unknown = !include->is(Node::Kind::Sequence);
    if (!unknown) {
      for (const Node* entry : include->items()) {
        if (!entry->is(Node::Kind::Mapping)) {
          unknown = true;  // `- ${{ fromJSON(...) }}`: any key, any value
          continue;
        }
        for_each_entry(entry, [&](const Node* k, const Node* v) {
          if (!k->is(Node::Kind::Scalar)) return;
          std::string key = "matrix." + lower(k->value);
          ContextValues cv;
          if (is_literal(v)) add_value(cv, v->value);
          if (auto it = axes.find(key); it != axes.end()) cv.complete = it->second.complete && is_literal(v);
          merge_context(axes, key, cv);
        });
      }
    }
    if (unknown) {
      for (auto& [key, cv] : axes) cv.complete = false;
    }
  }
  drop_empty(axes);
  for (auto& [key, cv] : axes) ctx[key] = cv;
}


// ---------------------------------------------------------------------------
// Extraction.

class Extractor {
 public:
  Extractor(const SourceFile& file, ExtractResult& result, const ScriptBatchFn* on_batch)
      : file_(file), result_(result), on_batch_(on_batch) {}

  // Hands the scripts found so far over, when they are to be handed over.
  void flush(size_t at_least = 1) {
    if (on_batch_ && *on_batch_ && result_.scripts.size() >= at_least) {
      (*on_batch_)(result_.scripts);
      result_.scripts.clear();
    }
  }

  void workflow(const Node* root, const Node* jobs) {
    ContextMap contexts = workflow_inputs(get(root, "on"));
    EnvMap workflow_env;
    apply_env(workflow_env, get(root, "env"));
    Env env(std::move(workflow_env));
    const Node* shell = get_path(root, {"defaults", "run", "shell"});
    for (size_t i = 0; i < jobs->pair_count(); ++i) {
      const Node* id = jobs->key(i);
      const Node* job = jobs->val(i);
      if (!id->is(Node::Kind::Scalar) || is_merge_key(id) || !job->is(Node::Kind::Mapping)) continue;
      Env job_env = env;
      if (const Node* own = get(job, "env")) job_env = env.with(env_of(own));
      const Node* job_shell = get_path(job, {"defaults", "run", "shell"});
      ContextMap job_contexts = contexts;
      add_matrix(job_contexts, get_path(job, {"strategy", "matrix"}));
      steps(get(job, "steps"), fmt::format("jobs.{}.steps", id->value), job_env, job_contexts,
            job_shell ? job_shell : shell);
    }
  }

  void composite(const Node* root, const Node* runs) {
    steps(get(runs, "steps"), "runs.steps", Env{}, action_inputs(get(root, "inputs")), nullptr);
  }

 private:
  void steps(const Node* list, const std::string& prefix, const Env& env, const ContextMap& contexts,
             const Node* default_shell) {
    if (!list || !list->is(Node::Kind::Sequence)) return;
    // The job's contexts are one table for all its steps; `${{ env.X }}` is
    // read from each step's env (ScriptUnit::expression_env).
    SharedMap<ContextMap> step_contexts(contexts);
    for (size_t i = 0; i < list->items().size(); ++i) {
      const Node* step = list->items()[i];
      if (!step->is(Node::Kind::Mapping)) continue;
      std::string where = fmt::format("{}[{}]", prefix, i);
      Env step_env = env;
      if (const Node* own = get(step, "env")) step_env = env.with(env_of(own));

      auto runs = find_all(step, "run");
      if (!runs.empty()) {
        Entry shell_entry = find(step, "shell");
        std::string shell = resolve_shell(shell_entry.key ? shell_entry.value : default_shell);
        if (!shell.empty()) {
          for (const Entry& run : runs) {
            if (!run.value->is(Node::Kind::Scalar)) continue;
            ScriptUnit unit = unit_for(run, where + ".run");
            unit.shell = shell;
            unit.env = step_env;
            unit.expression_env = step_env;
            unit.contexts = step_contexts;
            result_.scripts.push_back(std::move(unit));
            flush(kScriptBatch);
          }
        }
      }

      const Node* uses = as(get(step, "uses"), Node::Kind::Scalar);
      if (!uses) continue;
      const SshActionSpec* spec = find_ssh_action(uses->value);
      if (!spec) continue;
      std::string image = normalise_docker_image(uses->value);
      const Node* with = as(get(step, "with"), Node::Kind::Mapping);
      if (!with) continue;
      Env remote_env(remote_environment(*spec, with, step_env));
      for (std::string_view input : spec->script_inputs) {
        Entry script = find(with, input, /*ci=*/true);  // input names are case-insensitive
        if (!script.key || !script.value->is(Node::Kind::Scalar)) continue;
        ScriptUnit unit = unit_for(script, fmt::format("{}.with.{}", where, script.key->value));
        unit.origin = ScriptOrigin::RemoteScript;
        unit.action = image.empty() ? std::string(spec->repository) : "docker://" + image;
        unit.env = remote_env;
        unit.expression_env = step_env;
        unit.contexts = step_contexts;
        result_.scripts.push_back(std::move(unit));
        flush(kScriptBatch);
      }
    }
  }

  ScriptUnit unit_for(const Entry& e, std::string label) {
    ScriptUnit unit;
    unit.anchor = file_offset(e.key);
    unit.text = yaml::scalar_text(file_, e);
    unit.label = std::move(label);
    return unit;
  }

  // The variables an ssh action forwards to the remote shell: those named in
  // its env-list input (comma or blank separated) that the step defines.
  static EnvMap remote_environment(const SshActionSpec& spec, const Node* with, const Env& step_env) {
    EnvMap remote;
    if (spec.envs_input.empty()) return remote;
    const Node* list = as(find(with, spec.envs_input, /*ci=*/true).value, Node::Kind::Scalar);
    if (!list) return remote;
    for (std::string_view name : split_words(list->value, ", \t\r\n")) {
      if (const EnvValue* v = step_env.find(name)) remote.set(std::string(name), *v);
    }
    return remote;
  }

  const SourceFile& file_;
  ExtractResult& result_;
  const ScriptBatchFn* on_batch_;
};

constexpr std::string_view kExpected = "expected a workflow (a top-level `jobs:` mapping) or an action (`runs:`)";

}  // namespace

ExtractResult extract_scripts(const SourceFile& file, YamlKind kind) { return extract_scripts(file, kind, nullptr); }

ExtractResult extract_scripts(const SourceFile& file, YamlKind kind, const ScriptBatchFn& on_batch) {
  ExtractResult result;
  yaml::Document doc = yaml::Document::parse(file);
  result.error = doc.error;
  const Node* root = doc.root();
  const Node* jobs = as(get(root, "jobs"), Node::Kind::Mapping);
  const Node* runs = as(get(root, "runs"), Node::Kind::Mapping);
  if (kind == YamlKind::Auto) kind = jobs ? YamlKind::Workflow : runs ? YamlKind::Action : YamlKind::Auto;

  Extractor extractor(file, result, &on_batch);
  bool recognised = (kind == YamlKind::Workflow && jobs) || (kind == YamlKind::Action && runs);
  if (kind == YamlKind::Workflow && jobs) {
    extractor.workflow(root, jobs);
  } else if (kind == YamlKind::Action && runs) {
    const Node* using_node = as(get(runs, "using"), Node::Kind::Scalar);
    bool is_composite = using_node ? lower(using_node->value) == "composite" : get(runs, "steps") != nullptr;
    if (is_composite) {
      extractor.composite(root, runs);
    } else if (!result.error) {
      result.nothing_to_lint = true;
    }
  }
  extractor.flush();
  if (!recognised && !result.error) {
    // Valid YAML, but not what the runner would accept as a workflow or action.
    std::string message;
    if (!root || root->is(Node::Kind::Null)) {
      message = fmt::format("empty document: {}", kExpected);
    } else if (root->is(Node::Kind::Sequence)) {
      message = fmt::format("not a workflow or action: the document is a list; {}", kExpected);
    } else if (root->is(Node::Kind::Scalar)) {
      message = fmt::format("not a workflow or action: the document is a single value; {}", kExpected);
    } else if (get(root, "apps")) {
      message = fmt::format("looks like a pm2 ecosystem file (top-level `apps:`), not a {}; {}",
                            kind == YamlKind::Workflow ? "workflow" : kind == YamlKind::Action ? "action" : "workflow or action",
                            kind == YamlKind::Workflow ? "a workflow needs a top-level `jobs:` mapping" : kExpected);
    } else if (kind == YamlKind::Workflow) {
      message = "not a workflow: expected a top-level `jobs:` mapping";
    } else if (kind == YamlKind::Action) {
      message = "not an action: expected a top-level `runs:` mapping";
    } else {
      message = fmt::format("not a workflow or action: {}", kExpected);
    }
    if (Entry e = find(root, kind == YamlKind::Action ? "runs" : "jobs"); e.key && root->is(Node::Kind::Mapping)) {
      // The key is there but holds no mapping: point at it.
      auto [line, col] = file.line_char_col(file_offset(e.key));
      result.error = FileError{file.path, line, col, message + fmt::format(" (`{}:` is not a mapping)", e.key->value)};
    } else {
      result.error = FileError{file.path, 1, 1, std::move(message)};
    }
  }
  for (uint32_t offset : doc.truncated_merges()) result.limits.push_back({offset, yaml::merge_limit_message()});
  if (doc.second_document) {
    // GitHub rejects the file; Gitea's and Forgejo's runners decode the
    // first document and ignore the rest, which therefore never runs.
    std::string message =
        "a second YAML document starts here: a workflow or action file holds one document (GitHub rejects the "
        "file, other runners read only the first document); only the first document is linted";
    if (result.error) message += "; the first document: " + result.error->message;
    FileError err{file.path, 1, 1, std::move(message)};
    std::tie(err.line, err.col) = file.line_char_col(*doc.second_document);
    result.error = std::move(err);
  }
  return result;
}

const std::vector<SshActionSpec>& ssh_actions() {
  // Inputs checked against each action's action.yml (inputs) and README
  // (the env-list input of appleboy/ssh-action). appleboy's `script_path`
  // names a file and `script_stop` is a flag: neither is an inline script.
  static const std::vector<SshActionSpec> k = {
      // drone-ssh is the image behind appleboy/ssh-action; run directly it
      // takes the same `with:` inputs.
      {"appleboy/ssh-action", {"script"}, "envs", {"appleboy/drone-ssh", "ghcr.io/appleboy/drone-ssh"}},
      {"garygrossgarten/github-action-ssh", {"command"}, ""},
      {"fifsky/ssh-action", {"command"}, ""},
      {"cross-the-world/ssh-scp-ssh-pipelines", {"first_ssh", "last_ssh"}, ""},
      {"cross-the-world/ssh-pipeline", {"script"}, ""},
      {"easingthemes/ssh-deploy", {"SCRIPT_BEFORE", "SCRIPT_AFTER"}, ""},
      {"d3rhase/ssh-command-action", {"command"}, ""},
      {"jimcronqvist/action-ssh", {"command"}, ""},
      {"tiyee/action-ssh", {"command"}, ""},
      {"nekiro/ssh-job", {"command"}, ""},  // its `envs` is a JSON object, not names
      {"alinz/ssh-scp-action", {"ssh_before", "ssh_after"}, ""},
      {"marcodallasanta/ssh-scp-deploy", {"pre_upload", "post_upload"}, ""},
      {"and-fm/cloudflared-ssh-action", {"commands"}, ""},
      {"matheusvanzan/sshpass-action", {"run"}, ""},
  };
  return k;
}

std::string normalise_uses(std::string_view uses) {
  auto words = split_words(uses, " \t\r\n");
  if (words.empty()) return "";
  std::string_view u = words.front();
  if (u.front() == '.' || u.front() == '/') return "";  // ./local, ../local, /abs
  std::string lowered = lower(u);
  if (lowered.rfind("docker://", 0) == 0) return "";
  std::string_view rest = lowered;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t host_end = rest.find('/');
    if (host_end == std::string_view::npos) return "";
    rest.remove_prefix(host_end + 1);
  }
  rest = rest.substr(0, rest.find('@'));
  auto parts = split_words(rest, "/");
  if (parts.size() < 2) return "";
  return fmt::format("{}/{}", parts[0], parts[1]);
}

std::string normalise_docker_image(std::string_view uses) {
  auto words = split_words(uses, " \t\r\n");
  if (words.empty()) return "";
  std::string image = lower(words.front());
  if (image.rfind("docker://", 0) != 0) return "";
  image.erase(0, 9);
  if (size_t digest = image.find('@'); digest != std::string::npos) image.resize(digest);
  size_t last_slash = image.rfind('/');
  if (size_t tag = image.find(':', last_slash == std::string::npos ? 0 : last_slash); tag != std::string::npos)
    image.resize(tag);
  for (std::string_view hub : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
    if (image.rfind(hub, 0) == 0) {
      image.erase(0, hub.size());
      break;
    }
  }
  if (image.rfind("library/", 0) == 0) image.erase(0, 8);
  return image;
}

const SshActionSpec* find_ssh_action(std::string_view uses) {
  std::string repository = normalise_uses(uses);
  std::string image = repository.empty() ? normalise_docker_image(uses) : "";
  if (repository.empty() && image.empty()) return nullptr;
  for (const SshActionSpec& spec : ssh_actions()) {
    if (!repository.empty() && spec.repository == repository) return &spec;
    if (!image.empty() && std::find(spec.docker_images.begin(), spec.docker_images.end(), image) != spec.docker_images.end())
      return &spec;
  }
  return nullptr;
}

int EnvOrder::fold_compare(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int x = std::tolower(static_cast<unsigned char>(a[i]));
    int y = std::tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

void EnvMap::seal() {
  if (sealed_) return;
  sealed_ = true;
  EnvOrder order;
  std::stable_sort(entries_.begin(), entries_.end(),
                   [&](const Entry& a, const Entry& b) { return order(a.first, b.first); });
  // Of each run of one name, the last set wins.
  auto out = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    auto next = std::next(it);
    if (next != entries_.end() && next->first == it->first) continue;
    if (out != it) *out = std::move(*it);
    ++out;
  }
  entries_.erase(out, entries_.end());
}

const EnvValue* EnvMap::find(std::string_view name) const {
  EnvOrder order;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [&](const Entry& e, std::string_view n) { return order(e.first, n); });
  return it != entries_.end() && it->first == name ? &it->second : nullptr;
}

std::pair<std::vector<EnvMap::Entry>::const_iterator, std::vector<EnvMap::Entry>::const_iterator> EnvMap::equal_range(
    EnvOrder::Folded name) const {
  auto from = std::lower_bound(entries_.begin(), entries_.end(), name, [](const Entry& e, EnvOrder::Folded n) {
    return EnvOrder::fold_compare(e.first, n.lower) < 0;
  });
  auto to = std::upper_bound(from, entries_.end(), name, [](EnvOrder::Folded n, const Entry& e) {
    return EnvOrder::fold_compare(n.lower, e.first) < 0;
  });
  return {from, to};
}

Env Env::with(EnvMap own) const {
  own.seal();
  if (own.empty()) return *this;
  Env out;
  out.top_ = std::make_shared<const Layer>(Layer{top_, std::move(own)});
  return out;
}

const EnvValue* Env::find(std::string_view name) const {
  for (const Layer* l = top_.get(); l; l = l->parent.get())
    if (const EnvValue* v = l->own.find(name)) return v;
  return nullptr;
}

std::vector<std::pair<std::string_view, const EnvValue*>> Env::spellings(std::string_view lower) const {
  std::vector<std::pair<std::string_view, const EnvValue*>> out;
  for (const Layer* l = top_.get(); l; l = l->parent.get()) {
    auto [from, to] = l->own.equal_range(EnvOrder::Folded{lower});
    for (auto it = from; it != to; ++it) {
      bool hidden = std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.first == it->first; });
      if (!hidden) out.emplace_back(it->first, &it->second);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::optional<ContextValues> context_values(const ScriptUnit& unit, std::string_view ref) {
  if (auto it = unit.contexts.get().find(std::string(ref)); it != unit.contexts.end()) return it->second;
  constexpr std::string_view kEnv = "env.";
  if (ref.substr(0, kEnv.size()) != kEnv) return std::nullopt;
  // Expressions read env case-insensitively: every spelling of the name may
  // be the one read, and only literal values are known.
  auto names = unit.expression_env.spellings(ref.substr(kEnv.size()));
  if (names.empty()) return std::nullopt;
  ContextValues cv;
  cv.complete = true;
  for (const auto& [name, v] : names) {
    if (v->literal)
      add_value(cv, v->value);
    else
      cv.complete = false;
  }
  if (cv.values.empty()) return std::nullopt;
  return cv;
}

}  // namespace pm2guard::lint
