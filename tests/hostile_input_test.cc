// `pm2guard lint` against hostile input, as CI runs it: the real binary,
// each run limited in time and memory, with a standard input that stays
// open and never delivers a byte. Whatever the input, in every format:
//   - the process exits with 0, 1 or 2 (never a signal, never a timeout);
//   - the expected finding or message is there;
//   - JSON and SARIF parse (strictly) and hold only valid UTF-8, GitHub
//     annotations and text hold no raw control or bidi character;
//   - a good file named on the same command line is still linted.
// Big inputs are generated here, into a temporary directory.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/run.h"

namespace fs = std::filesystem;
using nlohmann::json;
using pm2guard::testing::run;
using pm2guard::testing::RunOptions;
using pm2guard::testing::RunResult;
using pm2guard::testing::TempDir;

namespace {

constexpr double kTimeLimit = 20;                    // seconds, per run
constexpr const char* kMemoryLimitKiB = "2097152";   // 2 GiB of address space

const std::vector<std::string> kFormats = {"text", "json", "sarif", "github"};

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Well-formed UTF-8 throughout (no overlong forms, surrogates or code points
// past U+10FFFF).
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto b = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return b(k) >= lo && b(k) <= hi; };
    unsigned c = b(i);
    size_t n = c < 0x80                                                          ? 1
               : c >= 0xC2 && c <= 0xDF && cont(i + 1)                           ? 2
               : c == 0xE0 && cont(i + 1, 0xA0) && cont(i + 2)                   ? 3
               : c == 0xED && cont(i + 1, 0x80, 0x9F) && cont(i + 2)             ? 3
               : c >= 0xE1 && c <= 0xEF && c != 0xED && cont(i + 1) && cont(i + 2) ? 3
               : c == 0xF0 && cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3)    ? 4
               : c >= 0xF1 && c <= 0xF3 && cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4
               : c == 0xF4 && cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4
                                                                                 : 0;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// A control character (C0 but LF, and tab when `tab_ok`; DEL; C1) or a
// bidirectional embedding, override or isolate, in valid UTF-8 `s`.
bool raw_control(const std::string& s, bool tab_ok) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    unsigned char c1 = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    unsigned char c2 = i + 2 < s.size() ? static_cast<unsigned char>(s[i + 2]) : 0;
    if ((c < 0x20 && c != '\n' && !(tab_ok && c == '\t')) || c == 0x7F) return true;
    if (c == 0xC2 && c1 >= 0x80 && c1 < 0xA0) return true;
    if (c == 0xE2 && c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE) return true;
    if (c == 0xE2 && c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9) return true;
  }
  return false;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// What a report says, whatever its format: the rules found in each file,
// and the messages of the files that could not be linted. Files are named
// as given on the command line (relative to the run's directory).
struct Report {
  std::map<std::string, std::multiset<std::string>> findings;
  std::map<std::string, std::vector<std::string>> errors;
  std::vector<std::string> messages;  // of every finding
};

std::string github_unescape(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"%0D", "\r"}, {"%0A", "\n"}, {"%3A", ":"}, {"%2C", ","}, {"%25", "%"}}) {
    size_t at = 0;
    while ((at = s.find(from, at)) != std::string::npos) {
      s.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return s;
}

Report parse_report(const std::string& format, const std::string& out) {
  Report r;
  if (format == "json") {
    json j = json::parse(out);  // strict: throws on invalid UTF-8
    for (const json& f : j.at("findings")) {
      r.findings[f.at("file").get<std::string>()].insert(f.at("rule").get<std::string>());
      r.messages.push_back(f.at("message").get<std::string>());
    }
    for (const json& e : j.at("errors")) r.errors[e.at("file").get<std::string>()].push_back(e.at("message"));
  } else if (format == "sarif") {
    json j = json::parse(out);
    const json& run = j.at("runs").at(0);
    for (const json& res : run.at("results")) {
      std::string uri = res.at("locations").at(0).at("physicalLocation").at("artifactLocation").at("uri");
      r.findings[uri].insert(res.at("ruleId").get<std::string>());
      r.messages.push_back(res.at("message").at("text").get<std::string>());
    }
    for (const json& n : run.at("invocations").at(0).at("toolExecutionNotifications")) {
      std::string uri = n.at("locations").at(0).at("physicalLocation").at("artifactLocation").at("uri");
      r.errors[uri].push_back(n.at("message").at("text"));
    }
  } else if (format == "github") {
    for (const std::string& line : lines_of(out)) {
      REQUIRE(line.rfind("::", 0) == 0);  // every line is a workflow command
      size_t sp = line.find(' '), sep = line.find("::", 2);
      REQUIRE(sp != std::string::npos);
      REQUIRE(sep != std::string::npos);
      std::map<std::string, std::string> props;
      std::string list = line.substr(sp + 1, sep - sp - 1);
      for (size_t pos = 0; pos <= list.size();) {
        size_t comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        std::string kv = list.substr(pos, comma - pos);
        size_t eq = kv.find('=');
        if (eq != std::string::npos) props[kv.substr(0, eq)] = github_unescape(kv.substr(eq + 1));
        pos = comma + 1;
      }
      std::string message = github_unescape(line.substr(sep + 2));
      if (props.count("title")) {
        std::string title = props["title"];
        r.findings[props["file"]].insert(title.substr(title.rfind(' ') + 1));
        r.messages.push_back(message);
      } else {
        r.errors[props["file"]].push_back(message);
      }
    }
  } else {
    for (const std::string& line : lines_of(out)) {
      if (line.rfind("  ", 0) == 0) continue;  // excerpt and caret
      size_t colon = line.find(':');
      REQUIRE(colon != std::string::npos);
      std::string file = line.substr(0, colon);
      size_t err = line.find(": error: ");
      bool finding = !line.empty() && line.back() == ']';
      if (finding) {
        size_t open = line.rfind(" [");
        r.findings[file].insert(line.substr(open + 2, line.size() - open - 3));
        r.messages.push_back(line);
      } else {
        REQUIRE(err != std::string::npos);
        r.errors[file].push_back(line.substr(err + 9));
      }
    }
  }
  return r;
}

// A temporary checkout, the directory every run starts in, with a good file
// and a standard input that never ends: a FIFO the run opens for reading and
// writing (so a blocking read of it waits forever).
class Sandbox {
 public:
  Sandbox() {
    good_ = "good.sh";
    write(good_, "pm2 kill\n");
    stdin_ = dir_.path() + "/.stdin";
    REQUIRE(mkfifo(stdin_.c_str(), 0600) == 0);
  }
  const std::string& path() const { return dir_.path(); }
  const std::string& good() const { return good_; }
  std::string write(const std::string& relative, const std::string& contents) const {
    dir_.write(relative, contents);
    return relative;
  }
  std::string abs(const std::string& relative) const { return dir_.path() + "/" + relative; }

  // pm2guard lint --format FORMAT ARGS..., in the sandbox, limited in time
  // and address space.
  RunResult lint(const std::string& format, const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"/bin/sh", "-c",
                                     // stdin: the never-ending FIFO; then the limits.
                                     "exec 0<>\"$0\" || exit 125; "
#if !defined(__SANITIZE_ADDRESS__)
                                     "ulimit -v " + std::string(kMemoryLimitKiB) + " || exit 125; "
#endif
                                     "exec \"$@\"",
                                     stdin_, PM2GUARD_BINARY, "lint", "--format", format};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.cwd = dir_.path();
    o.timeout_seconds = kTimeLimit;
    auto start = std::chrono::steady_clock::now();
    RunResult r = run(argv, o);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO("format " << format << ", " << took << " s, exit " << r.code << ", stderr: " << r.err.substr(0, 2000));
    CHECK(r.signal == 0);  // a timeout is a SIGKILL
    CHECK(r.code != 125);
    CHECK((r.code == 0 || r.code == 1 || r.code == 2));
    return r;
  }

  // Runs every format over `args` plus the good file; checks what holds
  // for any input, and returns the reports for the case's own checks.
  std::map<std::string, Report> lint_all(std::vector<std::string> args,
                                         const std::vector<std::string>& formats = kFormats) const {
    args.push_back(good_);
    std::map<std::string, Report> reports;
    for (const std::string& format : formats) {
      RunResult r = lint(format, args);
      INFO("format " << format << ", stdout: " << r.out.substr(0, 3000));
      CHECK(valid_utf8(r.out));
      CHECK(valid_utf8(r.err));
      if (format == "github") CHECK_FALSE(raw_control(r.out, /*tab_ok=*/false));
      if (format == "text") {
        CHECK_FALSE(raw_control(r.out, /*tab_ok=*/true));
        CHECK_FALSE(raw_control(r.err, /*tab_ok=*/true));
      }
      Report rep;
      REQUIRE_NOTHROW(rep = parse_report(format, r.out));
      // The good file is linted whatever the others hold.
      CHECK(rep.findings[good_].count("daemon-teardown") == 1);
      reports[format] = std::move(rep);
    }
    return reports;
  }

 private:
  TempDir dir_;
  std::string good_;
  std::string stdin_;
};

// `rule` is among the findings of `file` in every report.
void check_rule(std::map<std::string, Report>& reports, const std::string& file, const std::string& rule) {
  for (auto& [format, rep] : reports) {
    INFO("format " << format << ", file " << file);
    CHECK(rep.findings[file].count(rule) >= 1);
  }
}

// Some error of `file` holds `text`, in every report.
void check_error(std::map<std::string, Report>& reports, const std::string& file, const std::string& text) {
  for (auto& [format, rep] : reports) {
    INFO("format " << format << ", file " << file);
    bool found = false;
    for (const std::string& m : rep.errors[file]) found = found || contains(m, text);
    CHECK(found);
  }
}

// A workflow running `script` in one step.
std::string workflow(const std::string& script) {
  std::string body;
  for (const std::string& line : lines_of(script)) body += "          " + line + "\n";
  return "on: push\njobs:\n  deploy:\n    runs-on: self-hosted\n    steps:\n      - run: |\n" + body;
}

}  // namespace

TEST_CASE("bytes that are not UTF-8 in a finding or a file name", "[hostile][utf8]") {
  Sandbox s;
  // Pure ASCII scripts whose words are not UTF-8 once decoded.
  std::string script = s.write("bad.sh", "pm2 delete $'\\xff'\npm2 delete $'/\\xff|.*/'\nsudo -u $'\\xff' pm2 delete all\n");
  // A workflow whose file name holds 0xFF (and an escape sequence).
  std::string name = ".github/workflows/de\xFF" "ploy\x1B[2J.yml";
  s.write(name, workflow("pm2 kill"));
  auto reports = s.lint_all({script, name});
  check_rule(reports, script, "regex-matches-all");
  check_rule(reports, script, "target-all");
  for (auto& [format, rep] : reports) {
    INFO(format);
    bool escaped = false;
    for (const std::string& m : rep.messages) escaped = escaped || contains(m, "\\xFF");
    CHECK(escaped);  // the bad byte, shown escaped
    // The workflow's finding under its (escaped) name.
    bool found = false;
    for (const auto& [file, rules] : rep.findings)
      found = found || (contains(file, "de\\xFFploy") && rules.count("daemon-teardown"));
    if (format == "sarif") {
      for (const auto& [file, rules] : rep.findings)
        found = found || (contains(file, "de%FFploy%1B%5B2J.yml") && rules.count("daemon-teardown"));
    }
    CHECK(found);
  }
}

TEST_CASE("control and bidi characters from words and file names", "[hostile][controls]") {
  Sandbox s;
  std::string script = s.write("esc.sh", "pm2 delete $'/\\x1b]0;owned\\x07\\e]2;x\\u202e\\u2066\\x85\\x7f\\r\\t|.*/'\n");
  std::string name = "w\x1B]0;x\x07\xE2\x80\xAE\xC2\x9B\x7F.sh";
  s.write(name, "pm2 delete all\n");
  auto reports = s.lint_all({script, name});
  check_rule(reports, script, "regex-matches-all");
  // JSON and SARIF carry the name as it is (JSON escapes the controls).
  CHECK(reports["json"].findings[name].count("target-all") == 1);
}

TEST_CASE("19,000 nested subshells, arithmetic and parameter defaults", "[hostile][depth]") {
  Sandbox s;
  const size_t n = 19000;
  std::string sub = s.write("subshells.sh", repeat("( ", n) + "pm2 kill" + repeat(" )", n) + "\n");
  std::string arith = s.write("arith.sh", "echo $((" + repeat("(", n) + "1" + repeat(")", n) + "))\npm2 delete all\n");
  std::string param = s.write("param.sh", "echo " + repeat("${X:-", n) + "x" + repeat("}", n) + "\npm2 delete all\n");
  std::string paren = s.write("paren.sh", repeat("(", n) + "pm2 kill" + repeat(")", n) + "\n");
  std::string in_step = s.write(".github/workflows/deep.yml", workflow(repeat("( ", n) + "pm2 kill" + repeat(" )", n)));
  std::string cmdsub = s.write("cmdsub.sh", "echo " + repeat("\"$(echo ", n) + "x" + repeat(")\"", n) + "\npm2 delete all\n");
  std::string chain = s.write("chain.sh", repeat("true &&\n", n) + "pm2 delete all\n");
  // A /regex/ target 3,000,000 groups deep (6 MB).
  std::string regex = s.write("regex.sh", "pm2 delete '/" + repeat("(", 3000000) + "a" + repeat(")", 3000000) + "/'\n");
  auto reports = s.lint_all({sub, arith, param, paren, in_step, cmdsub, chain, regex});
  check_rule(reports, regex, "dynamic-target");
  check_rule(reports, regex, "shell-parse-error");
  // The depth bound is a finding at its place ...
  check_rule(reports, sub, "shell-parse-error");
  check_rule(reports, in_step, "shell-parse-error");
  check_rule(reports, cmdsub, "shell-parse-error");
  check_rule(reports, paren, "shell-parse-error");
  // ... and what follows the deep part is still checked.
  check_rule(reports, arith, "target-all");
  check_rule(reports, param, "target-all");
  check_rule(reports, cmdsub, "target-all");
  check_rule(reports, chain, "target-all");
}

TEST_CASE("wrappers nested 17 and 300 deep", "[hostile][limits]") {
  Sandbox s;
  std::string nohup = s.write("nohup.sh", repeat("nohup ", 17) + "pm2 kill\n");
  std::string sudo = s.write("sudo.sh", repeat("sudo ", 17) + "pm2 delete all\n");
  std::string deep = s.write("deep.sh", repeat("nohup ", 300) + "pm2 kill\n");
  auto reports = s.lint_all({nohup, sudo, deep});
  check_rule(reports, nohup, "daemon-teardown");
  check_rule(reports, sudo, "target-all");
  // Past the limit: reported, and the call still checked.
  check_rule(reports, deep, "daemon-teardown");
  check_rule(reports, deep, "shell-parse-error");
}

TEST_CASE("words bash reads through ANSI-C quoting", "[hostile][escapes]") {
  Sandbox s;
  std::vector<std::string> files;
  int i = 0;
  for (const char* word : {"$'\\u0061ll'", "$'\\U00000061ll'", "$'\\u61ll'", "$'\\x61ll'", "$'\\x{61}ll'",
                           "$'\\141ll'", "$'all\\c@'", "$'all\\0rest'"})
    files.push_back(s.write("e" + std::to_string(i++) + ".sh", std::string("pm2 delete ") + word + "\n"));
  auto reports = s.lint_all(files);
  for (const std::string& f : files) check_rule(reports, f, "target-all");
}

TEST_CASE("jobs: -j validated and clamped, and a thread that cannot start is no abort", "[hostile][jobs]") {
  Sandbox s;
  for (const char* bad : {"-1", "0", "abc", "", "1.5", "-0"}) {
    RunResult r = s.lint("text", {"-j", bad, s.good()});
    INFO(bad);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "--jobs needs a positive whole number"));
  }
  std::vector<std::string> files;
  for (int i = 0; i < 300; ++i) files.push_back(s.write("many/f" + std::to_string(i) + ".sh", "pm2 restart app\n"));
  for (const char* jobs : {"100000", "256", "99999999999999999999999"}) {
    std::vector<std::string> args = {"-j", jobs};
    args.insert(args.end(), files.begin(), files.end());
    INFO(jobs);
    auto reports = s.lint_all(args, {"text", "json"});
    CHECK(reports["json"].findings.size() == 1);  // good.sh alone; every file read
  }
}

TEST_CASE("paths that are not regular files are errors, never read", "[hostile][files]") {
  Sandbox s;
  REQUIRE(mkfifo(s.abs("fifo.sh").c_str(), 0600) == 0);
  REQUIRE(mkfifo(s.abs("fifo.yml").c_str(), 0600) == 0);
  fs::create_symlink("/dev/zero", s.abs("zero.yml"));
  fs::create_symlink("/dev/stdin", s.abs("stdin.sh"));
  fs::create_symlink("/dev/null", s.abs("null.sh"));
  fs::create_directories(s.abs(".github/workflows"));
  REQUIRE(mkfifo(s.abs(".github/workflows/pipe.yml").c_str(), 0600) == 0);
  // A socket.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock = s.abs("sock.sh");
  REQUIRE(sock.size() < sizeof addr.sun_path);
  std::copy(sock.begin(), sock.end(), addr.sun_path);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto reports = s.lint_all({"fifo.sh", "fifo.yml", "zero.yml", "stdin.sh", "null.sh", "sock.sh", "."});
  close(fd);
  check_error(reports, "fifo.sh", "not a regular file: a FIFO");
  check_error(reports, "fifo.yml", "not a regular file: a FIFO");
  check_error(reports, "zero.yml", "not a regular file: a character device");
  check_error(reports, "stdin.sh", "not a regular file: a FIFO");  // the never-ending FIFO
  check_error(reports, "null.sh", "not a regular file: a character device");
  check_error(reports, "sock.sh", "not a regular file: a socket");
  for (auto& [format, rep] : reports) {
    bool found = false;
    for (const auto& [file, messages] : rep.errors)
      if (contains(file, "workflows/pipe.yml"))
        for (const std::string& m : messages) found = found || contains(m, "a FIFO");
    INFO(format);
    CHECK(found);
  }
}

TEST_CASE("merge keys that fan out through a cycle", "[hostile][yaml]") {
  Sandbox s;
  // Each lookup used to follow every path: 10^8 for ten aliases.
  std::string cyc = s.write(".github/workflows/cycle.yml",
                            "x: &d\n  <<: [" + repeat("*d, ", 20) + "*d]\njobs:\n  a:\n    <<: *d\n    runs-on: x\n"
                            "    steps:\n      - run: pm2 delete all\n");
  auto reports = s.lint_all({cyc});
  check_rule(reports, cyc, "target-all");
}

TEST_CASE("what held before still holds", "[hostile][kept]") {
  Sandbox s;
  std::string yaml = s.write(".github/workflows/nested.yml", "jobs:\n  a:\n    steps:\n      - run: " + repeat("[", 20000) + "\n");
  std::string subst = s.write("subst.sh", "echo " + repeat("$(echo ", 10000) + "x" + repeat(")", 10000) + "\n");
  std::string heredoc = s.write("heredoc.sh", "cat <<EOF\npm2 kill\n");
  std::string nul = s.write("nul.sh", std::string("pm2 stop api\n\0pm2 kill\n", 22));
  std::string utf8 = s.write("utf8.sh", "echo \xC3\x28\npm2 kill\n");
  fs::create_symlink("loop-b.sh", s.abs("loop-a.sh"));
  fs::create_symlink("loop-a.sh", s.abs("loop-b.sh"));
  // 100,000 files in one directory, one workflow among them.
  fs::create_directories(s.abs("big/.github/workflows"));
  for (int i = 0; i < 100000; ++i) std::ofstream(s.abs("big/f" + std::to_string(i)));
  s.write("big/.github/workflows/ci.yml", workflow("pm2 delete all"));
  auto reports = s.lint_all({yaml, subst, heredoc, nul, utf8, "loop-a.sh", "big"});
  check_error(reports, yaml, "invalid YAML");
  check_rule(reports, subst, "shell-parse-error");
  check_rule(reports, heredoc, "shell-parse-error");
  check_error(reports, nul, "NUL byte");
  check_error(reports, utf8, "invalid UTF-8");
  check_error(reports, "loop-a.sh", "symbolic links");
  check_rule(reports, "big/.github/workflows/ci.yml", "target-all");
}

TEST_CASE("a 3 MB line with 1,440 findings: the output grows with the findings, not the line", "[hostile][output]") {
  Sandbox s;
  // `pm2 delete all;` every 100 statements of one line. Each finding's
  // excerpt used to be the whole line: 1,500 copies of 3 MB.
  std::string line;
  size_t alls = 0;
  for (size_t i = 0; line.size() < 3000000; ++i) {
    if (i % 100 == 0) {
      line += "pm2 delete all; ";
      ++alls;
    } else {
      line += "pm2 restart web-" + std::to_string(i % 1000) + "; ";
    }
  }
  std::string big = s.write("one-line.sh", line + "\n");
  for (const std::string& format : kFormats) {
    RunResult r = s.lint(format, {big, s.good()});
    INFO("format " << format << ", " << r.out.size() << " bytes of output, stdout: " << r.out.substr(0, 2000));
    CHECK(r.code == 1);
    // Less output than the line itself: about a kilobyte per finding.
    CHECK(r.out.size() < line.size());
    CHECK(r.out.size() < alls * 2048);
    CHECK(valid_utf8(r.out));
    if (format == "text") CHECK_FALSE(raw_control(r.out, /*tab_ok=*/true));
    if (format == "github") CHECK_FALSE(raw_control(r.out, /*tab_ok=*/false));
    Report rep;
    REQUIRE_NOTHROW(rep = parse_report(format, r.out));
    CHECK(rep.findings[big].count("target-all") == alls);
    // The other file on the command line is linted too.
    CHECK(rep.findings[s.good()].count("daemon-teardown") == 1);
  }
}

// Inputs whose cost once grew faster than their size (quadratic splits and
// de-duplication, aliases expanded per use, a table copied per step): each
// now ends well within the time limit, and its peak memory is within ten
// times its size plus a constant (a small file's run and 4 MiB), plus what
// the findings themselves hold (their messages, sorted per file before
// output).
TEST_CASE("inputs that once grew faster than their size: memory within 10x the input", "[hostile][growth]") {
  Sandbox s;
  const std::string head = "on:\n  push:\n  workflow_dispatch:\n    inputs:\n      app:\n        type: string\n";
  const std::string job = "jobs:\n  deploy:\n    runs-on: self-hosted\n    steps:\n";
  auto step = [](const std::string& script) {
    std::string out = "      - run: |\n";
    for (const std::string& line : lines_of(script)) out += "          " + line + "\n";
    return out;
  };
  struct Case {
    std::string file;
    std::string rule;     // a finding the file must still give
    std::string message;  // and a text one of its messages holds ("" for any)
  };
  std::vector<Case> cases;
  auto add = [&](std::string file, std::string rule, std::string message = "") {
    cases.push_back(Case{std::move(file), std::move(rule), std::move(message)});
  };
  {  // statements tree-sitter-bash merges into one pipeline (#347)
    std::string t = "pm2 jlist | jq -r '.[].name' | grep web\n";
    for (int i = 1; i < 20000; ++i)
      t += "echo step-" + std::to_string(i) + " && pm2 describe web-" + std::to_string(i % 50) + " | grep online | wc -l\n";
    add(s.write("merged.sh", t + "pm2 delete all\n"), "target-all");
  }
  {  // a 10 MB script of deploy-like statements
    const std::string chunk =
        "if [ -f ecosystem.config.js ]; then\n  pm2 reload ecosystem.config.js --env production\nfi\n"
        "for app in web-api web-worker; do\n  pm2 restart \"$app\" --update-env\ndone\n"
        "ssh deploy@host <<'EOF'\n  cd /srv/app && git pull && pm2 restart web-api\nEOF\n"
        "pm2 jlist | jq -r '.[] | select(.name | startswith(\"web-\")) | .name' | xargs -r pm2 stop\n";
    std::string t;
    t.reserve(10u << 20);
    while (t.size() < (10u << 20)) t += chunk;
    // Past 200,000 statements the rest is not checked, and that is said.
    add(s.write("big.sh", t + "pm2 delete all\n"), "shell-parse-error",
                     "statements to analyse in one script; pm2 calls from here on are not checked");
  }
  {  // a choice input of 100,000 options
    std::string y = "on:\n  workflow_dispatch:\n    inputs:\n      app:\n        type: choice\n        options:\n";
    for (int i = 0; i < 100000; ++i) y += "          - app-" + std::to_string(i) + "\n";
    add(s.write(".github/workflows/options.yml", y + job + step("pm2 restart ${{ inputs.app }}")),
                     "dynamic-target");
  }
  {  // 50,000 env keys over a job whose every step has an env of its own
    std::string y = head + "env:\n";
    for (int i = 0; i < 50000; ++i) y += "  VAR_" + std::to_string(i) + ": value-" + std::to_string(i) + "\n";
    y += job;
    for (int i = 0; i < 50; ++i) y += step("pm2 restart \"$VAR_" + std::to_string(i) + "\"") + "        env:\n          OWN: x\n";
    add(s.write(".github/workflows/env.yml", y + step("pm2 delete all")), "target-all");
  }
  {  // bash -c 14 levels deep
    std::string c = "pm2 delete all";
    for (int i = 0; i < 14; ++i) {
      std::string q = "\"";
      for (char ch : c) q += (ch == '"' || ch == '\\' || ch == '$' || ch == '`') ? std::string("\\") + ch : std::string(1, ch);
      c = "bash -c " + q + "\"";
    }
    add(s.write(".github/workflows/nested.yml", head + job + step(c)), "target-all");
  }
  {  // merge-key "billion laughs": ten merges of ten, nine levels
    std::string y = head + "x-defs:\n  e0: &e0 {k0: v0}\n";
    auto refs = [](int k) {
      std::string r;
      for (int i = 0; i < 10; ++i) r += (i ? ", *e" : "*e") + std::to_string(k);
      return r;
    };
    for (int k = 1; k < 9; ++k)
      y += "  e" + std::to_string(k) + ": &e" + std::to_string(k) + " {<<: [" + refs(k - 1) + "], k" + std::to_string(k) + ": v}\n";
    y += "env: {<<: [" + refs(8) + "]}\n" + job + step("pm2 restart $k0\npm2 delete all");
    add(s.write(".github/workflows/laughs.yml", y), "target-all");
  }
  // 4,000 `all` in one argv; a 5 MB line; 20,000 steps, each a finding
  add(s.write(".github/workflows/alls.yml", head + job + step("pm2 delete" + repeat(" all", 4000))), "target-all");
  {
    std::string line;
    for (int i = 0; line.size() < (5u << 20); ++i) line += i % 500 ? "pm2 restart web-" + std::to_string(i % 1000) + "; " : "pm2 delete all; ";
    add(s.write("line.sh", line + "\n"), "target-all");
  }
  {
    std::string y = head + job;
    for (int i = 0; i < 20000; ++i) y += "      - run: pm2 restart ${{ inputs.app }}\n";
    add(s.write(".github/workflows/steps.yml", y), "dynamic-target");
  }

  for (const Case& c : cases) {
    INFO(c.file);
    // A child's peak counts what this process held when it forked: the
    // memory of the earlier runs' output is given back first, and the
    // small file is linted from the same state.
    malloc_trim(0);
    RunResult small = s.lint("json", {s.good()});
    REQUIRE(small.code == 1);
    RunResult r = s.lint("json", {c.file, s.good()});
    CHECK(r.code == 1);
    Report rep;
    REQUIRE_NOTHROW(rep = parse_report("json", r.out));
    r.out.clear();
    r.out.shrink_to_fit();
    CHECK(rep.findings[s.good()].count("daemon-teardown") == 1);
    CHECK(rep.findings[c.file].count(c.rule) >= 1);
    if (!c.message.empty())
      CHECK(std::any_of(rep.messages.begin(), rep.messages.end(),
                        [&](const std::string& m) { return contains(m, c.message); }));
    CHECK(rep.errors[c.file].empty());
#if !defined(__SANITIZE_ADDRESS__)
    long input_kib = static_cast<long>(fs::file_size(s.abs(c.file)) / 1024);
    long findings = static_cast<long>(rep.findings[c.file].size());
    // The constant: a small file's run and 4 MiB (parse trees of nested
    // shells, stacks touched); each finding is held until its file is sorted.
    long allowed = small.max_rss_kib + 4096 + 10 * input_kib + findings * 2;  // 2 KiB a finding
    INFO("peak " << r.max_rss_kib << " KiB; one small file " << small.max_rss_kib << " KiB; input " << input_kib
                 << " KiB; " << findings << " findings; allowed " << allowed << " KiB");
    CHECK(r.max_rss_kib <= allowed);
#endif
  }
}
