// libFuzzer target: the linter's whole path for one file, from its bytes to
// every report format, as `pm2guard lint` takes it (lint/cli.cc: the file
// linted by lint_source, then render_text, render_json, render_github and
// render_sarif over the result).
//
// Input framing (fuzz/make_seeds.py writes it):
//
//   byte 0       selector bits (below)
//   bytes 1 ..   the file's contents; with bit 3, its path first, up to the
//                first NUL byte (paths hold no NUL), then the contents
//
// Selector bits of byte 0:
//   bits 0-1  the input kind (lint/discover.h): 0 a workflow (under
//             .github/workflows), 1 a composite action (action.yml), 2 a
//             shell script, 3 a YAML file named on the command line, whose
//             kind is decided by its content.
//   bit 2     raw: the bytes go to lint_source as they are, whatever they
//             hold (as tests and nested inputs pass them). Otherwise the file
//             is read as read_source reads one (lint/source.cc): the BOM is
//             dropped, and a NUL byte or invalid UTF-8 makes the file an
//             error naming the position, reported with no findings, as
//             lint_file reports it.
//   bit 3     the path comes from the input (above), and is also reported as
//             a file discovery could not use ("not a regular file: a FIFO"):
//             file names are text the reports show too. Otherwise a fixed
//             path of the kind's usual form.
//   bits 4-5  more kinds: with bits 0-1 they make a number (bits 4-5 as
//             its bits 2-3), modulo 10: 4 package.json, 5 a Makefile, 6
//             GitLab CI, 7 Woodpecker/Drone, 8 Bitbucket, 9 CircleCI.
//   bits 6-7  unused.
//
// The invariants (checked with __builtin_trap, so any violation is a crash
// libFuzzer reports and the replay test fails on), besides "no crash, no
// sanitizer report":
//   - the report (tests/robustness_test.cc): every finding has a known rule
//     and a message, a line inside the file and a column, findings come
//     sorted by position; a file error has a message and a line inside the
//     file; summarise counts what is there;
//   - JSON and SARIF (lint/report.h): valid UTF-8, parsed by nlohmann::json
//     (strict), with one finding (result) per finding and one error
//     (notification) per file error, and no position printed as 0 (SARIF's
//     tool section, the same for every input, is checked once);
//   - github: valid UTF-8 with no raw control character but the line feed
//     ending each line (no CR, tab, ESC, DEL, C1) and no bidirectional
//     embedding, override or isolate (U+202A-U+202E, U+2066-U+2069); every
//     line is one workflow command, `::error|warning|notice file=...[,line=N]
//     [,col=N][,title=...]::message`, whose properties hold no raw ':' or ','
//     and whose line and column are positive numbers;
//   - text, plain: valid UTF-8, no raw ESC, and no other control character
//     but tab and line feed, no C1, no bidirectional control (report.h,
//     output_text: the terminal gets none of them); colored: the same, ESC
//     only as the start of the five SGR sequences the renderer writes.
//
// The lint runs on a thread with a 64 MiB stack, the stack of lint_files'
// workers (the analysis bounds its recursion within it); on the calling
// thread when no such thread can be made. No I/O. Built with
// -DLINT_FILE_FUZZ_TRACE (the replay, for triage), it prints each input's
// kind, path, findings and outputs to stderr.
#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#ifdef LINT_FILE_FUZZ_TRACE
#include <cstdio>
#endif
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lint.h"
#include "report.h"
#include "rule.h"
#include "source.h"

using namespace pm2guard;
using namespace pm2guard::lint;

namespace {

[[noreturn]] void violation() { __builtin_trap(); }

constexpr size_t kLintStack = size_t{64} << 20;

// Selected by bits 0, 1, 4 and 5 of the first byte, modulo the number of
// kinds (bits 4 and 5 were added later: the first four keep their
// selector).
const char* const kDefaultPath[] = {".github/workflows/deploy.yml", "actions/deploy/action.yml", "scripts/deploy.sh",
                                    "ci/pipeline.yaml", "package.json", "Makefile", ".gitlab-ci.yml",
                                    ".drone.yml", "bitbucket-pipelines.yml", ".circleci/config.yml"};
constexpr InputKind kKinds[] = {InputKind::Workflow, InputKind::Action,      InputKind::Shell,    InputKind::Yaml,
                                InputKind::PackageJson, InputKind::Makefile, InputKind::GitlabCi, InputKind::WoodpeckerDrone,
                                InputKind::Bitbucket,   InputKind::CircleCi};
const char* const kKindName[] = {"workflow", "action", "shell", "yaml", "package-json", "makefile", "gitlab-ci", "woodpecker-drone",
                                "bitbucket", "circleci"};

// --- An independent UTF-8 decoder (the oracle does not reuse the code under
// test): strict, as RFC 3629 (no overlong forms, no surrogates, nothing
// above U+10FFFF). False when `s` is not valid UTF-8.
bool decode_utf8(std::string_view s, std::vector<char32_t>& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned c = b(i);
    size_t n;
    char32_t cp;
    if (c < 0x80) { n = 1; cp = c; }
    else if (c >= 0xC0 && c < 0xE0) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c < 0xF0) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c < 0xF8) { n = 4; cp = c & 0x07; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b(i + k) & 0x3Fu);
    }
    static const char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += n;
  }
  return true;
}

bool bidi_control(char32_t c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }

// What no reader may be handed raw: control characters other than those in
// `keep`, DEL, C1 controls, bidirectional embeddings, overrides, isolates.
bool unsafe(char32_t c, std::u32string_view keep) {
  if (c < 0x20) return keep.find(c) == std::u32string_view::npos;
  return c == 0x7F || (c >= 0x80 && c < 0xA0) || bidi_control(c);
}

void check_safe_text(std::string_view s, std::u32string_view keep) {
  std::vector<char32_t> cps;
  if (!decode_utf8(s, cps)) violation();
  for (char32_t c : cps)
    if (unsafe(c, keep)) violation();
}

// The colored text: each ESC starts one of the renderer's SGR sequences
// (lint/report.cc); with them taken out, the plain text's invariants hold.
void check_colored_text(std::string_view s) {
  static const std::string_view kSgr[] = {"\x1b[1;31m", "\x1b[1;33m", "\x1b[1;36m", "\x1b[1m", "\x1b[0m"};
  std::string rest;
  rest.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\x1b') {
      rest += s[i++];
      continue;
    }
    size_t n = 0;
    for (std::string_view q : kSgr)
      if (s.substr(i, q.size()) == q) n = q.size();
    if (!n) violation();
    i += n;
  }
  check_safe_text(rest, U"\t\n");
}

bool positive_decimal(std::string_view v) {
  if (v.empty() || v.size() > 10 || v[0] == '0') return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

// Workflow commands, one a line.
size_t check_github(std::string_view s) {
  check_safe_text(s, U"\n");
  if (!s.empty() && s.back() != '\n') violation();
  size_t commands = 0;
  for (size_t at = 0; at < s.size();) {
    size_t nl = s.find('\n', at);
    std::string_view line = s.substr(at, nl - at);
    at = nl + 1;
    ++commands;
    if (line.substr(0, 2) != "::") violation();
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) violation();
    std::string_view level = line.substr(2, sp - 2);
    if (level != "error" && level != "warning" && level != "notice") violation();
    size_t end = line.find("::", sp);
    if (end == std::string_view::npos) violation();
    std::string_view props = line.substr(sp + 1, end - sp - 1);
    bool file = false;
    for (size_t p = 0; p <= props.size();) {
      size_t comma = props.find(',', p);
      if (comma == std::string_view::npos) comma = props.size();
      std::string_view prop = props.substr(p, comma - p);
      p = comma + 1;
      size_t eq = prop.find('=');
      if (eq == std::string_view::npos) violation();
      std::string_view key = prop.substr(0, eq), value = prop.substr(eq + 1);
      if (value.find(':') != std::string_view::npos) violation();
      if (key == "file") file = true;
      else if (key == "line" || key == "col") {
        if (!positive_decimal(value)) violation();
      } else if (key != "title") {
        violation();
      }
    }
    if (!file) violation();
  }
  return commands;
}

using Json = nlohmann::json;

// A member of an object, nullptr when `o` is no object or lacks it (const
// operator[] on a missing key is undefined, at() throws).
const Json* member(const Json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

const Json& need(const Json* v) {
  if (!v) violation();
  return *v;
}

const Json& need(const Json& o, const char* key) { return need(member(o, key)); }

void need_string(const Json& o, const char* key) {
  if (!need(o, key).is_string()) violation();
}

const Json& need_array(const Json& o, const char* key, size_t size) {
  const Json& a = need(o, key);
  if (!a.is_array() || a.size() != size) violation();
  return a;
}

// A position: unknown (null, or left out when `optional`) or a positive
// number, never 0.
void check_position(const Json& o, const char* key, bool optional = false) {
  const Json* v = member(o, key);
  if (!v && optional) return;
  if (need(v).is_null() && !optional) return;
  if (!v->is_number_unsigned() || v->get<uint64_t>() == 0) violation();
}

Json parse_strict(const std::string& s) {
  std::vector<char32_t> cps;
  if (!decode_utf8(s, cps)) violation();
  Json j = Json::parse(s, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) violation();
  return j;
}

void check_json(const std::string& s, size_t findings, size_t errors) {
  Json j = parse_strict(s);
  const Json& files = need(j, "files");
  if (!files.is_number_unsigned() || files.get<uint64_t>() != 1) violation();
  for (const Json& x : need_array(j, "findings", findings)) {
    for (const char* k : {"file", "rule", "severity", "message"}) need_string(x, k);
    if (!need(x, "via").is_array()) violation();
    for (const char* k : {"line", "column", "end_line", "end_column"}) check_position(x, k);
  }
  for (const Json& x : need_array(j, "errors", errors)) {
    for (const char* k : {"file", "message"}) need_string(x, k);
    for (const char* k : {"line", "column"}) check_position(x, k);
  }
}

// A SARIF result's or notification's message and locations.
void check_sarif_item(const Json& item) {
  need_string(need(item, "message"), "text");
  const Json& locations = need(item, "locations");
  if (!locations.is_array() || locations.empty()) violation();
  for (const Json& l : locations) {
    const Json& phys = need(l, "physicalLocation");
    need_string(need(phys, "artifactLocation"), "uri");
    if (const Json* region = member(phys, "region"))
      for (const char* k : {"startLine", "startColumn", "endLine", "endColumn"})
        check_position(*region, k, /*optional=*/true);
  }
}

// The SARIF log's tool section (the driver and the documentation of every
// rule, most of the log) is the same for every input: it is checked once, on
// the log of no files, and each log must start with it. The rest of each
// log is checked behind the same section with an empty rule list, so that
// the work per input follows the input.
struct SarifTool {
  std::string full;   // the log up to the run's "invocations", rules included
  std::string empty;  // the same with "rules": []
};

const SarifTool& sarif_tool() {
  static const SarifTool tool = [] {
    static const std::string_view kCut = "\n      \"invocations\": ";
    std::string log = render_sarif({}, {});
    parse_strict(log);
    size_t cut = log.find(kCut);
    if (cut == std::string::npos) violation();
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(log);
    nlohmann::ordered_json& driver = j["runs"][0]["tool"]["driver"];
    if (!driver["rules"].is_array() || driver["rules"].size() != all_rules().size()) violation();
    driver["rules"] = nlohmann::ordered_json::array();
    std::string bare = j.dump(2, ' ', false);
    size_t bare_cut = bare.find(kCut);
    if (bare_cut == std::string::npos) violation();
    return SarifTool{log.substr(0, cut), bare.substr(0, bare_cut)};
  }();
  return tool;
}

void check_sarif(const std::string& s, size_t findings, size_t errors) {
  const SarifTool& tool = sarif_tool();
  if (s.compare(0, tool.full.size(), tool.full) != 0) violation();
  Json j = parse_strict(tool.empty + s.substr(tool.full.size()));
  const Json& version = need(j, "version");
  if (!version.is_string() || version.get<std::string>() != "2.1.0") violation();
  const Json& run = need_array(j, "runs", 1)[0];
  for (const Json& r : need_array(run, "results", findings)) {
    need_string(r, "ruleId");
    check_sarif_item(r);
  }
  const Json& invocation = need_array(run, "invocations", 1)[0];
  for (const Json& n : need_array(invocation, "toolExecutionNotifications", errors)) check_sarif_item(n);
}

// read_source (lint/source.cc) on bytes in memory: the file, or the error a
// NUL byte or invalid UTF-8 makes, as lint_file reports it.
FileReport read_and_lint(std::string path, std::string contents, InputKind kind, bool raw) {
  SourceFile file = SourceFile::from_string(path, std::move(contents));
  if (!raw) {
    const std::string& t = file.text;
    for (size_t i = 0; i < t.size();) {
      size_t n = t[i] == '\0' ? 0 : static_cast<unsigned char>(t[i]) < 0x80 ? 1 : utf8_sequence(t, i);
      if (n == 0) {
        auto [line, col] = file.line_char_col(static_cast<uint32_t>(i));
        FileReport r;
        r.path = path;
        r.error = FileError{path, line, col, t[i] == '\0' ? "binary content: NUL byte" : "binary content: invalid UTF-8"};
        return r;
      }
      i += n;
    }
  }
  return lint_source(std::move(file), kind, LintOptions{});
}

struct Job {
  std::string path, contents;
  InputKind kind;
  bool raw;
  FileReport report;
};

void* run_job(void* p) {
  Job& j = *static_cast<Job*>(p);
  j.report = read_and_lint(j.path, std::move(j.contents), j.kind, j.raw);
  return nullptr;
}

// On a thread with lint_files' worker stack, else here.
FileReport lint_on_worker(Job& job) {
  pthread_attr_t attr;
  bool ran = false;
  if (pthread_attr_init(&attr) == 0) {
    pthread_t t;
    if (pthread_attr_setstacksize(&attr, kLintStack) == 0 && pthread_create(&t, &attr, run_job, &job) == 0) {
      pthread_join(t, nullptr);
      ran = true;
    }
    pthread_attr_destroy(&attr);
  }
  if (!ran) run_job(&job);
  return std::move(job.report);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t sel = data[0];
  const unsigned k = ((sel & 3) | ((sel & 0x30) >> 2)) % (sizeof kKinds / sizeof kKinds[0]);
  const bool raw = (sel & 0x04) != 0;
  const bool named = (sel & 0x08) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string path = kDefaultPath[k];
  std::vector<FileError> discovery_errors;
  if (named) {
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) nul = rest.size();
    if (nul > 0) path = std::string(rest.substr(0, nul));
    rest.remove_prefix(std::min(rest.size(), nul + 1));
    discovery_errors.push_back(FileError{path, 0, 0, "not a regular file: a FIFO"});
  }

  Job job{path, std::string(rest), kKinds[k], raw, {}};
  std::vector<FileReport> reports;
  reports.push_back(lint_on_worker(job));
  const FileReport& r = reports[0];

  // The report itself.
  if (r.path != path) violation();
  if (r.source) {
    const SourceFile& src = *r.source;
    uint32_t prev_line = 0, prev_col = 0;
    for (const LintFinding& f : r.findings) {
      if (!find_rule(f.rule) || f.message.empty()) violation();
      if (f.range.line < 1 || f.range.line > src.line_count() || f.range.col < 1) violation();
      if (f.range.line < prev_line || (f.range.line == prev_line && f.range.col < prev_col)) violation();
      prev_line = f.range.line;
      prev_col = f.range.col;
    }
    if (r.error && (r.error->message.empty() || r.error->line > src.line_count())) violation();
  } else {
    // Only an unreadable file has no source, and then no findings.
    if (raw || !r.error || !r.findings.empty() || r.error->message.empty()) violation();
  }
  const size_t errors = discovery_errors.size() + (r.error ? 1 : 0);
  Summary s = summarise(reports, discovery_errors);
  if (s.files != 1 || s.errors + s.warnings + s.notes != r.findings.size() || s.file_errors != errors) violation();

  // Every format lint/cli.cc writes.
  TextStyle plain;
  plain.color = false;
  const std::string text = render_text(reports, discovery_errors, plain);
  TextStyle colored;
  colored.color = true;
  const std::string text_color = render_text(reports, discovery_errors, colored);
  TextStyle bare;
  bare.excerpts = false;
  const std::string text_bare = render_text(reports, discovery_errors, bare);
  const std::string json = render_json(reports, discovery_errors);
  const std::string github = render_github(reports, discovery_errors);
  const std::string sarif = render_sarif(reports, discovery_errors);

#ifdef LINT_FILE_FUZZ_TRACE
  std::fprintf(stderr, "  kind: %s%s, path: %s\n", kKindName[k], raw ? " (raw)" : "",
               output_text(path, TextSink::Terminal).c_str());
  for (const LintFinding& f : r.findings)
    std::fprintf(stderr, "  %u:%u-%u:%u [%s] %s\n", f.range.line, f.range.col, f.range.end_line, f.range.end_col,
                 f.rule.c_str(), output_text(f.message, TextSink::Terminal).c_str());
  if (r.error) std::fprintf(stderr, "  error: %s\n", output_text(r.error->message, TextSink::Terminal).c_str());
  std::fprintf(stderr, "--- text\n%s--- github\n%s--- json\n%s", text.c_str(), github.c_str(), json.c_str());
#else
  (void)kKindName;
#endif

  if (text.find('\x1b') != std::string::npos) violation();
  check_safe_text(text, U"\t\n");
  check_safe_text(text_bare, U"\t\n");
  check_colored_text(text_color);
  check_json(json, r.findings.size(), errors);
  check_sarif(sarif, r.findings.size(), errors);
  if (check_github(github) != r.findings.size() + errors) violation();
  return 0;
}
