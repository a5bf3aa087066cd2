#include "lint.h"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <pthread.h>

#include "shell_analysis.h"
#include "sources.h"
#include "workflow.h"

namespace pm2guard::lint {

namespace {

class Collector : public ShellSink {
 public:
  explicit Collector(std::vector<LintFinding>& out, std::vector<std::string>* refs = nullptr)
      : out_(out), refs_(refs) {}

  void invocation(const Invocation& inv, const Pm2Call& call) override {
    for (const Finding& f : check_invocation(inv, call)) {
      LintFinding lf;
      lf.rule = f.rule;
      lf.severity = f.severity;
      lf.range = f.range;
      lf.message = f.message;
      if (!inv.via.empty()) lf.message += " (via " + join_via(inv.via) + ")";
      lf.via = inv.via;
      out_.push_back(std::move(lf));
    }
  }
  void script_reference(const std::string& path) override {
    // In the order first seen; the set keeps a script with many references
    // from searching the list once per reference.
    if (refs_ && seen_refs_.insert(path).second) refs_->push_back(path);
  }
  void parse_problem(const SourceRange& where, const std::string& message) override {
    const Rule* r = find_rule("shell-parse-error");
    LintFinding lf;
    lf.rule = std::string(r->id);
    lf.severity = r->severity;
    lf.range = where;
    lf.message = message;
    out_.push_back(std::move(lf));
  }

 private:
  static std::string join_via(const std::vector<std::string>& via) {
    std::string s;
    for (size_t i = 0; i < via.size(); ++i) s += (i ? " > " : "") + via[i];
    return s;
  }
  std::vector<LintFinding>& out_;
  std::vector<std::string>* refs_;
  std::set<std::string> seen_refs_;
};

}  // namespace

std::vector<std::string_view> disabled_on_line(const SourceFile& file, uint32_t line) {
  std::vector<std::string_view> ids;
  if (line == 0 || line > file.line_count()) return ids;
  std::string_view text = file.line_text(line);
  size_t at = text.find("pm2guard disable=");
  if (at == std::string_view::npos) return ids;
  if (text.rfind('#', at) == std::string_view::npos) return ids;  // only inside a comment
  std::string_view list = text.substr(at + 17);
  size_t end = 0;
  while (end < list.size() && (std::islower(static_cast<unsigned char>(list[end])) ||
                               std::isdigit(static_cast<unsigned char>(list[end])) || list[end] == '-' || list[end] == ','))
    ++end;
  list = list.substr(0, end);
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    ids.push_back(list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return ids;
}

bool suppressed(const SourceFile& file, uint32_t line, const std::string& rule) {
  for (uint32_t l : {line, line - 1}) {
    for (std::string_view id : disabled_on_line(file, l))
      if (id == rule) return true;
  }
  return false;
}

namespace {

// ---------------------------------------------------------------------------
// The scripts of one file are analysed by the worker that read the file and
// by any worker that has no file left to take, so that the cores stay busy
// on a single file and at the end of a batch. Each script's findings are
// kept apart and joined in script order: the report is the same as from one
// thread.

struct ScriptBatch {
  const SourceFile* source = nullptr;
  const std::vector<ScriptUnit>* units = nullptr;
  std::vector<std::vector<LintFinding>> found;
  std::vector<std::vector<std::string>> refs;
  std::vector<std::exception_ptr> failed;
  std::atomic<size_t> next{0};
  size_t done = 0;  // under the pool's lock
};

class ScriptPool {
 public:
  /// A worker took a file: helpers wait for its scripts until it is done.
  void file_started() {
    std::lock_guard<std::mutex> lock(mu_);
    ++reading_;
  }
  void file_finished() {
    std::lock_guard<std::mutex> lock(mu_);
    --reading_;
    cv_.notify_all();
  }

  /// Analyses every script of `b`, with whatever help comes; returns when
  /// all are done. Rethrows the first failure of a script (it is the file's).
  void run(ScriptBatch& b) {
    size_t n = b.units->size();
    b.found.resize(n);
    b.refs.resize(n);
    b.failed.resize(n);
    bool shared = n > 1;
    if (shared) {
      std::lock_guard<std::mutex> lock(mu_);
      open_.push_back(&b);
      cv_.notify_all();
    }
    for (size_t i; (i = b.next.fetch_add(1)) < n;) analyse_one(b, i);
    if (shared) {
      std::unique_lock<std::mutex> lock(mu_);
      open_.erase(std::find(open_.begin(), open_.end(), &b));
      cv_.wait(lock, [&] { return b.done == n; });
    }
    for (const std::exception_ptr& e : b.failed)
      if (e) std::rethrow_exception(e);
  }

  /// For a worker with no file left: analyses scripts of the files others
  /// are reading until none is being read.
  void help() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ScriptBatch* b = nullptr;
      size_t i = 0;
      for (ScriptBatch* open : open_) {
        i = open->next.fetch_add(1);
        if (i < open->units->size()) {
          b = open;
          break;
        }
      }
      if (b) {
        lock.unlock();
        analyse_one(*b, i, /*helper=*/true);
        lock.lock();
        continue;
      }
      if (reading_ == 0) return;
      cv_.wait(lock);
    }
  }

 private:
  void analyse_one(ScriptBatch& b, size_t i, bool helper = false) {
    try {
      Collector sink(b.found[i], &b.refs[i]);
      analyse_script(*b.source, (*b.units)[i], sink);
    } catch (...) {
      b.failed[i] = std::current_exception();
    }
    if (b.units->size() > 1) {
      std::lock_guard<std::mutex> lock(mu_);
      if (++b.done == b.units->size() || helper) cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ScriptBatch*> open_;  // batches that may have scripts left
  size_t reading_ = 0;
};

FileReport lint_source_in(SourceFile source, InputKind kind, const LintOptions& options, ScriptPool* pool) {
  FileReport report;
  report.path = source.path;
  std::vector<LintFinding> raw;
  Collector sink(raw, &report.script_references);
  {
    // The scripts are analysed as they are extracted, a batch at a time.
    ExtractResult ex = source_kind(kind).extract(source, [&](std::vector<ScriptUnit>& units) {
      if (!pool) {
        for (const ScriptUnit& unit : units) analyse_script(source, unit, sink);
        return;
      }
      ScriptBatch batch;
      batch.source = &source;
      batch.units = &units;
      pool->run(batch);
      for (size_t i = 0; i < units.size(); ++i) {
        for (LintFinding& f : batch.found[i]) raw.push_back(std::move(f));
        for (const std::string& ref : batch.refs[i]) sink.script_reference(ref);
      }
    });
    if (ex.error) {
      report.error = *ex.error;
      report.error->path = source.path;
    }
    // The limits the YAML stage reached come first, as if found first.
    std::vector<LintFinding> limits;
    Collector limit_sink(limits);
    for (const ExtractResult::Limit& l : ex.limits) {
      auto [line, col] = source.line_col(l.offset);
      limit_sink.parse_problem(SourceRange{line, col, line, col + 1}, l.message);
    }
    raw.insert(raw.begin(), std::make_move_iterator(limits.begin()), std::make_move_iterator(limits.end()));
  }
  // One finding per rule and place: a call reached twice (a function called
  // twice, a substitution seen by both the outer and a nested shell) is one
  // problem.
  std::sort(raw.begin(), raw.end(), [](const LintFinding& a, const LintFinding& b) {
    if (a.range.line != b.range.line) return a.range.line < b.range.line;
    if (a.range.col != b.range.col) return a.range.col < b.range.col;
    return a.rule < b.rule;
  });
  // The suppression comments of a line are read once for all its findings
  // (the findings are sorted by line): a long line with many findings is
  // not searched once per finding.
  std::optional<uint32_t> comments_of;
  std::vector<std::string_view> here, before;
  for (LintFinding& f : raw) {
    if (options.disabled.count(f.rule)) continue;
    if (comments_of != f.range.line) {
      comments_of = f.range.line;
      here = disabled_on_line(source, f.range.line);
      before = disabled_on_line(source, f.range.line - 1);
    }
    auto names = [&f](const std::vector<std::string_view>& ids) {
      return std::find(ids.begin(), ids.end(), f.rule) != ids.end();
    };
    if (names(here) || names(before)) continue;
    if (!report.findings.empty()) {
      const LintFinding& last = report.findings.back();
      if (last.rule == f.rule && last.range.line == f.range.line && last.range.col == f.range.col) continue;
    }
    report.findings.push_back(std::move(f));
  }
  report.source = std::move(source);
  return report;
}

}  // namespace

FileReport lint_source(SourceFile source, InputKind kind, const LintOptions& options) {
  return lint_source_in(std::move(source), kind, options, nullptr);
}

namespace {

FileReport lint_file_in(const InputFile& input, const LintOptions& options, ScriptPool* pool) {
  FileError err;
  std::optional<SourceFile> src = read_source(input.path, err);
  if (!src) {
    FileReport r;
    r.path = input.path;
    err.path = input.path;
    r.error = err;
    return r;
  }
  return lint_source_in(std::move(*src), input.kind, options, pool);
}

}  // namespace

FileReport lint_file(const InputFile& input, const LintOptions& options) {
  return lint_file_in(input, options, nullptr);
}

unsigned worker_count(unsigned requested, size_t files) {
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  unsigned jobs = std::min(requested ? requested : cpus, kMaxJobs);
  if (files == 0) return 1;
  // Past one per file, a worker only helps with the scripts of the files
  // being read: worth a CPU of its own, no more.
  return static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(jobs, std::max<size_t>(files, cpus))));
}

namespace {

// A file whose linting failed (out of memory, say) is an error of that file
// alone: the others are still linted and reported.
FileReport lint_file_safely(const InputFile& input, const LintOptions& options, ScriptPool* pool) {
  try {
    return lint_file_in(input, options, pool);
  } catch (const std::exception& e) {
    FileReport r;
    r.path = input.path;
    r.error = FileError{input.path, 0, 0, std::string("could not be linted: ") + e.what()};
    return r;
  }
}

void* run_worker(void* work) {
  (*static_cast<std::function<void()>*>(work))();
  return nullptr;
}

}  // namespace

std::vector<FileReport> lint_files(const std::vector<InputFile>& inputs, const LintOptions& options) {
  std::vector<FileReport> reports(inputs.size());
  if (inputs.empty()) return reports;
  unsigned jobs = worker_count(options.jobs, inputs.size());
  std::atomic<size_t> next{0};
  ScriptPool pool;
  std::function<void()> work = [&] {
    // Counted as reading before a file is taken, so that a helper never
    // leaves while a file it could help with is still to start.
    for (;;) {
      pool.file_started();
      size_t i = next.fetch_add(1);
      if (i < inputs.size()) reports[i] = lint_file_safely(inputs[i], options, &pool);
      pool.file_finished();
      if (i >= inputs.size()) break;
    }
    pool.help();
  };
  // Workers with a stack of known size (the analysis bounds its recursion
  // well within it); as many as can be created, and none at all means the
  // work is done on this thread.
  std::vector<pthread_t> workers;
  for (unsigned w = 0; w < jobs; ++w) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) break;
    pthread_t t;
    bool created = pthread_attr_setstacksize(&attr, kWorkerStack) == 0 && pthread_create(&t, &attr, run_worker, &work) == 0;
    pthread_attr_destroy(&attr);
    if (!created) break;
    workers.push_back(t);
  }
  if (workers.empty()) work();
  for (pthread_t t : workers) pthread_join(t, nullptr);
  return reports;
}

}  // namespace pm2guard::lint

namespace pm2guard::lint {

namespace {

namespace fs = std::filesystem;

// The checkout a file belongs to: the parent of its .github/.gitea/.forgejo
// folder, else its own directory.
fs::path checkout_root(const fs::path& file) {
  for (fs::path d = file.parent_path(); !d.empty(); d = d.parent_path()) {
    std::string name = d.filename().string();
    if (name == ".github" || name == ".gitea" || name == ".forgejo") return d.parent_path();
    if (d == d.parent_path()) break;
  }
  return file.parent_path();
}

// The kind of a file a script runs or reads: a shell script by its name or
// shebang, a package.json or Makefile by its name; nothing else is linted
// from a reference.
std::optional<InputKind> referenced_kind(const fs::path& p) {
  for (const SourceKind& k : source_kinds()) {
    if ((k.kind == InputKind::Shell || k.kind == InputKind::PackageJson || k.kind == InputKind::Makefile) && k.named(p))
      return k.kind;
  }
  // Read as read_source reads: never a blocking open of a FIFO.
  std::string first = read_prefix(p.string(), 256).value_or("");
  first.resize(std::min(first.size(), first.find('\n')));
  if (has_shell_shebang(first)) return InputKind::Shell;
  return std::nullopt;
}

}  // namespace

std::vector<InputFile> referenced_scripts(const std::vector<FileReport>& reports, std::set<std::string>& seen,
                                          std::map<std::string, std::string>& roots) {
  return referenced_scripts(reports, 0, seen, roots);
}

std::vector<InputFile> referenced_scripts(const std::vector<FileReport>& reports, size_t from,
                                          std::set<std::string>& seen, std::map<std::string, std::string>& roots) {
  std::vector<InputFile> out;
  for (size_t i = from; i < reports.size(); ++i) {
    const FileReport& r = reports[i];
    if (r.script_references.empty()) continue;
    fs::path file(r.path);
    auto known_root = roots.find(r.path);
    fs::path root = known_root != roots.end() ? fs::path(known_root->second) : checkout_root(file);
    std::vector<fs::path> bases{root, file.parent_path()};
    for (const std::string& ref : r.script_references) {
      for (const fs::path& base : bases) {
        fs::path candidate = (base / ref).lexically_normal();
        std::error_code ec;
        if (!fs::is_regular_file(candidate, ec)) continue;
        fs::path canonical = fs::weakly_canonical(candidate, ec);
        std::string key = ec ? candidate.string() : canonical.string();
        if (seen.count(key)) break;
        std::optional<InputKind> kind = referenced_kind(candidate);
        if (!kind) break;
        seen.insert(key);
        roots[candidate.string()] = root.string();  // it runs in the same checkout
        out.push_back(InputFile{candidate.string(), *kind});
        break;
      }
    }
  }
  return out;
}

std::vector<FileReport> lint_with_references(const std::vector<InputFile>& inputs, const LintOptions& options) {
  std::vector<FileReport> reports = lint_files(inputs, options);
  std::set<std::string> seen;
  std::map<std::string, std::string> roots;
  for (const InputFile& in : inputs) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(in.path, ec);
    seen.insert(ec ? in.path : canonical.string());
  }
  // Each round lints only scripts not linted yet, so the rounds end; the
  // bound is a backstop, and reaching it is reported on the scripts whose
  // references are left unfollowed.
  size_t from = 0;
  for (int round = 0;; ++round) {
    std::vector<InputFile> more = referenced_scripts(reports, from, seen, roots);
    if (more.empty()) break;
    if (round == kMaxReferenceRounds) {
      for (size_t i = from; i < reports.size() && !options.disabled.count("shell-parse-error"); ++i) {
        if (reports[i].script_references.empty()) continue;
        LintFinding lf;
        const Rule* r = find_rule("shell-parse-error");
        lf.rule = std::string(r->id);
        lf.severity = r->severity;
        lf.message = "analysis limit reached: scripts run by scripts more than " + std::to_string(kMaxReferenceRounds) +
                     " deep; the scripts this one runs are not linted";
        reports[i].findings.insert(reports[i].findings.begin(), std::move(lf));
      }
      break;
    }
    from = reports.size();
    for (FileReport& r : lint_files(more, options)) reports.push_back(std::move(r));
  }
  return reports;
}

}  // namespace pm2guard::lint
