#include "gitlab_ci.h"

#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>

#include "ci_yaml.h"
#include "yaml_tree.h"

namespace pm2guard::lint {

namespace {

using yaml::as;
using yaml::Entry;
using yaml::file_offset;
using yaml::for_each_entry;
using yaml::get;
using yaml::Node;

// Top-level keys that are not jobs (GitLab's global keywords).
constexpr std::array<std::string_view, 12> kGlobalKeys = {
    "default", "include", "stages", "variables", "workflow", "image",
    "services", "cache", "before_script", "after_script", "types", "spec"};

bool is_global_key(std::string_view k) {
  return std::find(kGlobalKeys.begin(), kGlobalKeys.end(), k) != kGlobalKeys.end();
}

// GitLab follows `extends:` at most this deep.
constexpr int kMaxExtendsDepth = 11;
// A nested list of script lines is flattened at most this deep.
constexpr int kMaxScriptNesting = 10;

class Reader {
 public:
  Reader(const SourceFile& file, ExtractResult& result, const ScriptBatchFn& on_batch)
      : file_(file), result_(result), out_(result, on_batch) {}

  void read(const Node* root) {
    root_ = root;
    global_ = Env(literal_variables(get(root, "variables")));
    // Legacy top-level before_script/after_script and `default:`'s.
    for (std::string_view key : {"before_script", "after_script"}) script(root, key, global_, std::string(key));
    if (const Node* def = as(get(root, "default"), Node::Kind::Mapping)) {
      for (std::string_view key : {"before_script", "after_script"})
        script(def, key, global_, fmt::format("default.{}", key));
    }
    for (size_t i = 0; i < root->pair_count(); ++i) {
      const Node* id = root->key(i);
      const Node* job = root->val(i);
      if (!id->is(Node::Kind::Scalar) || yaml::is_merge_key(id) || is_global_key(id->value)) continue;
      if (!job->is(Node::Kind::Mapping)) continue;
      Env env = global_.with(job_variables(job));
      for (std::string_view key : {"before_script", "script", "after_script"})
        script(job, key, env, fmt::format("{}.{}", id->value, key));
    }
    out_.finish();
  }

 private:
  // The variables of a job and of the jobs it extends, the job's own
  // winning, then the nearest template's.
  EnvMap job_variables(const Node* job) {
    std::vector<const Node*> chain;  // the job first, then what it extends, breadth first
    chain.push_back(job);
    for (size_t at = 0; at < chain.size() && chain.size() <= static_cast<size_t>(kMaxExtendsDepth) * 4; ++at) {
      const Node* ext = get(chain[at], "extends");
      std::vector<std::string_view> names;
      if (auto s = yaml::scalar(ext)) names.push_back(*s);
      if (const Node* list = as(ext, Node::Kind::Sequence))
        for (const Node* n : list->items())
          if (auto s = yaml::scalar(n)) names.push_back(*s);
      for (std::string_view name : names) {
        const Node* base = as(get(root_, name), Node::Kind::Mapping);
        if (base && std::find(chain.begin(), chain.end(), base) == chain.end()) chain.push_back(base);
      }
    }
    EnvMap vars;
    // Applied farthest first so that the nearest (the job itself) wins.
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      for (const auto& [name, value] : literal_variables(get(*it, "variables"))) vars.set(name, value);
    return vars;
  }

  void script(const Node* holder, std::string_view key, const Env& env, std::string label) {
    Entry e = yaml::find(holder, key);
    if (e.value && e.value->reference) return;  // a !reference: linted where it is written
    std::optional<ScriptUnit> unit = command_unit(file_, e, std::move(label), result_.limits, kMaxScriptNesting);
    if (!unit) return;
    unit->shell = "bash";
    unit->env = env;
    unit->expression_env = env;
    out_.push(std::move(*unit));
  }

  const SourceFile& file_;
  ExtractResult& result_;
  UnitBatches out_;
  const Node* root_ = nullptr;
  Env global_;
};

}  // namespace

ExtractResult read_gitlab_ci(const SourceFile& file, const ScriptBatchFn& on_batch) {
  ExtractResult result;
  yaml::Document doc = yaml::Document::parse(file);
  // A file that starts with a `spec:` header (component inputs) holds its
  // configuration in the document after `---`.
  const Node* first = doc.root();
  if (first && first->is(Node::Kind::Mapping) && first->pair_count() == 1 && yaml::scalar(first->key(0)) == "spec" &&
      doc.second_document && !doc.error) {
    doc = yaml::Document::parse(file, 1);
  }
  result.error = doc.error;
  const Node* root = doc.root();
  if (root && root->is(Node::Kind::Mapping)) {
    Reader(file, result, on_batch).read(root);
  } else if (!result.error) {
    std::string what = !root || root->is(Node::Kind::Null) ? "empty document"
                       : root->is(Node::Kind::Sequence)   ? "the document is a list"
                                                          : "the document is a single value";
    result.error = FileError{file.path, 1, 1, what + ": a GitLab CI file is a mapping of jobs and global keys"};
  }
  report_document_limits(file, doc, result,
                         "a GitLab CI file holds one configuration document (after an optional `spec:` header); "
                         "only the first is linted");
  return result;
}

}  // namespace pm2guard::lint
