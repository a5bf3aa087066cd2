#include "report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pm2guard::lint {

namespace {

using json = nlohmann::ordered_json;

const char* kRed = "\x1b[1;31m";
const char* kYellow = "\x1b[1;33m";
const char* kCyan = "\x1b[1;36m";
const char* kBold = "\x1b[1m";
const char* kReset = "\x1b[0m";

std::string_view severity_color(Severity s) {
  switch (s) {
    case Severity::Error: return kRed;
    case Severity::Warning: return kYellow;
    case Severity::Note: return kCyan;
  }
  return kRed;
}

// Columns (1-based characters) of a finding, clamped to its line.
std::pair<uint32_t, uint32_t> char_span(const SourceFile& f, const LintFinding& x) {
  uint32_t c1 = display_column(f, x.range.line, x.range.col);
  uint32_t c2 = x.range.end_line == x.range.line ? display_column(f, x.range.line, x.range.end_col) : c1 + 1;
  if (c2 <= c1) c2 = c1 + 1;
  return {c1, c2};
}

json error_json(const FileError& e) {
  json j;
  j["file"] = e.path;
  j["line"] = e.line;
  j["column"] = e.col;
  j["message"] = e.message;
  return j;
}

std::string error_text(const FileError& e, const TextStyle& style) {
  std::string where = e.line ? fmt::format("{}:{}:{}", e.path, e.line, e.col) : e.path;
  if (style.color) return fmt::format("{}{}:{} {}error:{} {}\n", kBold, where, kReset, kRed, kReset, e.message);
  return fmt::format("{}: error: {}\n", where, e.message);
}

}  // namespace

uint32_t display_column(const SourceFile& file, uint32_t line, uint32_t byte_col) {
  if (line == 0 || byte_col == 0) return byte_col;
  std::string_view text = file.line_text(line);
  if (byte_col - 1 > text.size()) return byte_col - static_cast<uint32_t>(text.size()) + char_column(text, static_cast<uint32_t>(text.size()));
  return char_column(text, byte_col - 1) + 1;
}

Summary summarise(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  Summary s;
  s.files = reports.size();
  s.file_errors = discovery_errors.size();
  for (const FileReport& r : reports) {
    if (r.error) ++s.file_errors;
    for (const LintFinding& f : r.findings) {
      if (f.severity == Severity::Error) ++s.errors;
      else if (f.severity == Severity::Warning) ++s.warnings;
      else ++s.notes;
    }
  }
  return s;
}

std::string render_text(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors,
                        const TextStyle& style) {
  std::string out;
  for (const FileError& e : discovery_errors) out += error_text(e, style);
  for (const FileReport& r : reports) {
    if (r.error) out += error_text(*r.error, style);
    for (const LintFinding& f : r.findings) {
      uint32_t col = r.source ? char_span(*r.source, f).first : f.range.col;
      std::string where = fmt::format("{}:{}:{}", r.path, f.range.line, col);
      if (style.color)
        out += fmt::format("{}{}:{} {}{}:{} {} {}[{}]{}\n", kBold, where, kReset, severity_color(f.severity),
                           severity_name(f.severity), kReset, f.message, kCyan, f.rule, kReset);
      else
        out += fmt::format("{}: {}: {} [{}]\n", where, severity_name(f.severity), f.message, f.rule);
      if (!style.excerpts || !r.source || f.range.line == 0) continue;
      std::string_view line = r.source->line_text(f.range.line);
      auto [c1, c2] = char_span(*r.source, f);
      std::string caret;
      // Keep tabs so the caret lines up under the word.
      uint32_t ch = 1;
      for (size_t i = 0; i < line.size() && ch < c1; ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
        caret += line[i] == '\t' ? '\t' : ' ';
        ++ch;
      }
      while (ch < c1) {
        caret += ' ';
        ++ch;
      }
      caret += '^';
      for (uint32_t k = c1 + 1; k < c2; ++k) caret += '~';
      out += fmt::format("  {}\n", line);
      if (style.color)
        out += fmt::format("  {}{}{}\n", severity_color(f.severity), caret, kReset);
      else
        out += fmt::format("  {}\n", caret);
    }
  }
  return out;
}

std::string render_json(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  json root;
  root["files"] = reports.size();
  json findings = json::array();
  json errors = json::array();
  for (const FileError& e : discovery_errors) errors.push_back(error_json(e));
  for (const FileReport& r : reports) {
    if (r.error) errors.push_back(error_json(*r.error));
    for (const LintFinding& f : r.findings) {
      json j;
      j["file"] = r.path;
      uint32_t c1 = f.range.col, c2 = f.range.end_col;
      if (r.source) std::tie(c1, c2) = char_span(*r.source, f);
      j["line"] = f.range.line;
      j["column"] = c1;
      j["end_line"] = f.range.end_line ? f.range.end_line : f.range.line;
      j["end_column"] = f.range.end_line == f.range.line || !r.source
                            ? c2
                            : display_column(*r.source, f.range.end_line, f.range.end_col);
      j["rule"] = f.rule;
      j["severity"] = severity_name(f.severity);
      j["message"] = f.message;
      findings.push_back(std::move(j));
    }
  }
  root["findings"] = std::move(findings);
  root["errors"] = std::move(errors);
  return root.dump(2) + "\n";
}

std::string render_github(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  // Workflow-command values escape %, CR and LF; properties also ',' and ':'.
  auto data = [](std::string s) {
    std::string o;
    for (char c : s) {
      if (c == '%') o += "%25";
      else if (c == '\r') o += "%0D";
      else if (c == '\n') o += "%0A";
      else o += c;
    }
    return o;
  };
  auto prop = [&](const std::string& s) {
    std::string o;
    for (char c : data(s)) {
      if (c == ':') o += "%3A";
      else if (c == ',') o += "%2C";
      else o += c;
    }
    return o;
  };
  std::string out;
  for (const FileError& e : discovery_errors)
    out += fmt::format("::error file={}::{}\n", prop(e.path), data(e.message));
  for (const FileReport& r : reports) {
    if (r.error)
      out += fmt::format("::error file={},line={},col={}::{}\n", prop(r.path), r.error->line, r.error->col,
                         data(r.error->message));
    for (const LintFinding& f : r.findings) {
      uint32_t col = r.source ? char_span(*r.source, f).first : f.range.col;
      const char* level = f.severity == Severity::Error ? "error" : f.severity == Severity::Warning ? "warning" : "notice";
      out += fmt::format("::{} file={},line={},col={},title={}::{}\n", level, prop(r.path), f.range.line, col,
                         prop("pm2guard " + f.rule), data(f.message));
    }
  }
  return out;
}

std::string render_sarif(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors) {
  json rules = json::array();
  for (const Rule* r : all_rules()) {
    json j;
    j["id"] = r->id;
    j["shortDescription"] = {{"text", r->doc.summary}};
    j["fullDescription"] = {{"text", r->doc.what}};
    j["help"] = {{"text", fmt::format("{}\n\nExample: {}\nInstead: {}", r->doc.why, r->doc.example, r->doc.instead)}};
    j["defaultConfiguration"] = {{"level", r->severity == Severity::Note ? "note" : severity_name(r->severity)}};
    rules.push_back(std::move(j));
  }
  json results = json::array();
  json notifications = json::array();
  for (const FileError& e : discovery_errors)
    notifications.push_back({{"level", "error"},
                             {"message", {{"text", e.message}}},
                             {"locations", json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", e.path}}}}}}})}});
  for (const FileReport& r : reports) {
    if (r.error) {
      json loc = {{"artifactLocation", {{"uri", r.path}}}};
      if (r.error->line) loc["region"] = {{"startLine", r.error->line}, {"startColumn", std::max(1u, r.error->col)}};
      notifications.push_back({{"level", "error"},
                               {"message", {{"text", r.error->message}}},
                               {"locations", json::array({{{"physicalLocation", loc}}})}});
    }
    for (const LintFinding& f : r.findings) {
      auto [c1, c2] = r.source ? char_span(*r.source, f) : std::pair<uint32_t, uint32_t>{f.range.col, f.range.end_col};
      json region = {{"startLine", f.range.line}, {"startColumn", c1}, {"endLine", f.range.line}, {"endColumn", c2}};
      results.push_back({{"ruleId", f.rule},
                         {"level", f.severity == Severity::Note ? "note" : severity_name(f.severity)},
                         {"message", {{"text", f.message}}},
                         {"locations", json::array({{{"physicalLocation",
                                                      {{"artifactLocation", {{"uri", r.path}}}, {"region", region}}}}})}});
    }
  }
  json run;
  run["tool"] = {{"driver", {{"name", "pm2guard"}, {"rules", rules}}}};
  run["results"] = results;
  run["invocations"] = json::array({{{"executionSuccessful", true}, {"toolExecutionNotifications", notifications}}});
  json root;
  root["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  root["version"] = "2.1.0";
  root["runs"] = json::array({run});
  return root.dump(2) + "\n";
}

}  // namespace pm2guard::lint
