#include "cli.h"

#include <unistd.h>

#include <fmt/format.h>

#include "admin.h"
#include "discover.h"
#include "lint.h"
#include "report.h"
#include "rule.h"

#include <algorithm>
#include <optional>

#ifndef PM2GUARD_VERSION
#define PM2GUARD_VERSION "0.0.0"
#endif

namespace pm2guard::cli {

namespace {

const char* kUsage =
    "usage: pm2guard <command> [options]\n"
    "\n"
    "commands:\n"
    "  lint [options] [PATH...]   find dangerous pm2 calls in workflows, composite actions and scripts\n"
    "  explain RULE               what a rule finds, why, and what to write instead\n"
    "  rules                      list the rules\n"
    "  shim install|uninstall|doctor\n"
    "                             put the pm2 shim in front of the real pm2, take it out, check it\n"
    "  version                    print the version\n"
    "\n"
    "run `pm2guard lint --help` for the linter's options, `pm2guard shim --help` for the shim's\n";

const char* kLintUsage =
    "usage: pm2guard lint [options] [PATH...]\n"
    "\n"
    "PATH is a directory (searched for .github/.gitea/.forgejo workflows and action.yml files, skipping\n"
    ".git and node_modules) or a file (YAML, or a shell script: *.sh, *.bash, or a sh/bash shebang).\n"
    "The default PATH is the current directory.\n"
    "\n"
    "options:\n"
    "  -f, --format FORMAT   text (default), json, github (workflow annotations) or sarif\n"
    "  -d, --disable RULE    do not report RULE (repeatable, or comma-separated)\n"
    "  -j, --jobs N          worker threads (default: the number of CPUs; at most 256)\n"
    "      --color WHEN      auto (default), always or never\n"
    "      --no-excerpt      text format without the source line and caret\n"
    "  -h, --help            this help\n"
    "\n"
    "A comment `# pm2guard disable=RULE[,RULE]` on a line, or on the line before, silences those rules there.\n"
    "\n"
    "exit status: 0 no error-severity finding, 1 at least one, 2 usage error or a file that could not be\n"
    "read or parsed (every other file is still linted).\n";

// A command-line argument quoted back in a message on the terminal.
std::string shown_arg(const std::string& a) { return lint::output_text(a, lint::TextSink::Terminal); }

int lint_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  lint::LintOptions options;
  std::string format = "text";
  std::string color = "auto";
  bool excerpts = true;
  std::vector<std::string> paths;
  bool only_paths = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      std::string prefix = std::string(name) + "=";
      if (a.rfind(prefix, 0) == 0) return a.substr(prefix.size());
      if (i + 1 < args.size()) return args[++i];
      err << fmt::format("pm2guard lint: option {} needs a value\n", name);
      return std::nullopt;
    };
    if (only_paths || a.empty() || a[0] != '-' || a == "-") {
      paths.push_back(a);
    } else if (a == "--") {
      only_paths = true;
    } else if (a == "-h" || a == "--help") {
      out << kLintUsage;
      return kClean;
    } else if (a == "-f" || a.rfind("--format", 0) == 0) {
      auto v = value(a == "-f" ? "-f" : "--format");
      if (!v) return kUsageOrInput;
      format = *v;
      if (format != "text" && format != "json" && format != "github" && format != "sarif") {
        err << fmt::format("pm2guard lint: unknown format '{}' (text, json, github, sarif)\n", shown_arg(format));
        return kUsageOrInput;
      }
    } else if (a == "-d" || a.rfind("--disable", 0) == 0) {
      auto v = value(a == "-d" ? "-d" : "--disable");
      if (!v) return kUsageOrInput;
      size_t pos = 0;
      while (pos <= v->size()) {
        size_t comma = v->find(',', pos);
        std::string id = v->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!find_rule(id)) {
          err << fmt::format("pm2guard lint: unknown rule '{}' (see `pm2guard rules`)\n", shown_arg(id));
          return kUsageOrInput;
        }
        options.disabled.insert(id);
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else if (a == "-j" || a.rfind("--jobs", 0) == 0) {
      auto v = value(a == "-j" ? "-j" : "--jobs");
      if (!v) return kUsageOrInput;
      // A positive whole number; more than kMaxJobs (or than there are
      // files) is that many.
      unsigned long n = 0;
      bool digits = !v->empty() && v->find_first_not_of("0123456789") == std::string::npos;
      for (size_t k = 0; digits && k < v->size() && n <= lint::kMaxJobs; ++k) n = n * 10 + static_cast<unsigned>((*v)[k] - '0');
      if (!digits || n == 0) {
        err << fmt::format("pm2guard lint: --jobs needs a positive whole number, got '{}'\n", shown_arg(*v));
        return kUsageOrInput;
      }
      options.jobs = static_cast<unsigned>(std::min<unsigned long>(n, lint::kMaxJobs));
    } else if (a.rfind("--color", 0) == 0) {
      auto v = value("--color");
      if (!v) return kUsageOrInput;
      color = *v;
      if (color != "auto" && color != "always" && color != "never") {
        err << fmt::format("pm2guard lint: --color takes auto, always or never, not '{}'\n", shown_arg(color));
        return kUsageOrInput;
      }
    } else if (a == "--no-excerpt") {
      excerpts = false;
    } else {
      err << fmt::format("pm2guard lint: unknown option '{}'\n{}", shown_arg(a), kLintUsage);
      return kUsageOrInput;
    }
  }
  if (paths.empty()) paths.push_back(".");

  std::vector<lint::FileError> discovery_errors;
  std::vector<lint::InputFile> inputs = lint::discover(paths, discovery_errors);
  std::vector<lint::FileReport> reports = lint::lint_with_references(inputs, options);
  lint::Summary s = lint::summarise(reports, discovery_errors);

  if (format == "json") {
    lint::write_json(out, reports, discovery_errors);
  } else if (format == "github") {
    lint::write_github(out, reports, discovery_errors);
  } else if (format == "sarif") {
    lint::write_sarif(out, reports, discovery_errors);
  } else {
    lint::TextStyle style;
    style.color = color == "always" || (color == "auto" && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    style.excerpts = excerpts;
    lint::write_text(out, reports, discovery_errors, style);
    if (s.errors + s.warnings + s.notes + s.file_errors > 0)
      err << fmt::format("pm2guard: {} file{} checked: {} error{}, {} warning{}{}\n", s.files, s.files == 1 ? "" : "s",
                         s.errors, s.errors == 1 ? "" : "s", s.warnings, s.warnings == 1 ? "" : "s",
                         s.file_errors ? fmt::format(", {} input error{}", s.file_errors, s.file_errors == 1 ? "" : "s")
                                       : "");
  }
  if (s.file_errors) return kUsageOrInput;
  return s.errors ? kFindings : kClean;
}

int explain_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) {
    err << "usage: pm2guard explain RULE\n";
    return kUsageOrInput;
  }
  const Rule* r = find_rule(args[0]);
  if (!r) {
    err << fmt::format("pm2guard explain: unknown rule '{}' (see `pm2guard rules`)\n", shown_arg(args[0]));
    return kUsageOrInput;
  }
  std::string_view where = r->front == RuleFront::Both     ? "checked by the linter and by the shim"
                          : r->front == RuleFront::Linter ? "reported by the linter"
                          : r->runtime_check              ? "checked by the shim against the live process list"
                                                          : "a fault the shim records in its audit trail";
  out << fmt::format("{} ({}, {})\n\n{}\n\nWhat it finds\n  {}\n\nWhy\n  {}\n\nExample\n  {}\n\nInstead\n  {}\n", r->id,
                     severity_name(r->severity), where, r->doc.summary, r->doc.what, r->doc.why, r->doc.example,
                     r->doc.instead);
  return kClean;
}

int rules_command(std::ostream& out) {
  for (const Rule* r : all_rules()) {
    std::string_view where = r->front == RuleFront::Both ? "lint+shim" : r->front == RuleFront::Linter ? "lint" : "shim";
    out << fmt::format("{:<26} {:<8} {:<10} {}\n", r->id, severity_name(r->severity), where, r->doc.summary);
  }
  return kClean;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kUsageOrInput;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "lint") return lint_command(rest, out, err);
  if (cmd == "explain") return explain_command(rest, out, err);
  if (cmd == "rules") return rules_command(out);
  if (cmd == "shim") return shim::admin::run_cli(rest, out, err);
  if (cmd == "version" || cmd == "--version" || cmd == "-V") {
    out << "pm2guard " << PM2GUARD_VERSION << "\n";
    return kClean;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    out << kUsage;
    return kClean;
  }
  err << fmt::format("pm2guard: unknown command '{}'\n{}", shown_arg(cmd), kUsage);
  return kUsageOrInput;
}

}  // namespace pm2guard::cli
