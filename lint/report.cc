#include "report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

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

// A character starts at every byte that is not a UTF-8 continuation byte
// (and at the first byte of a line, whatever it is).
bool starts_char(std::string_view s, size_t i) { return i == 0 || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80; }

// Characters that start in the first `bytes` bytes of `s`.
uint32_t chars_in(std::string_view s, size_t bytes) {
  bytes = std::min(bytes, s.size());
  uint32_t n = 0;
  for (size_t i = 0; i < bytes; ++i) n += starts_char(s, i);
  return n;
}

// Character column of the character that holds 1-based byte column `byte_col`;
// the column after the last character when the byte is past the line's text.
uint32_t start_char_col(std::string_view text, uint32_t byte_col) {
  size_t off = byte_col - 1;
  if (off >= text.size()) return chars_in(text, text.size()) + 1;
  return chars_in(text, off + 1);
}

// Exclusive end: the column after the character that holds the byte before
// 1-based byte column `byte_col`, clipped to the line's text.
uint32_t end_char_col(std::string_view text, uint32_t byte_col) {
  return chars_in(text, byte_col - 1) + 1;
}

json position(uint32_t v) { return v ? json(v) : json(nullptr); }

std::string location(const std::string& path, uint32_t line, uint32_t col) {
  if (!line) return path;
  if (!col) return fmt::format("{}:{}", path, line);
  return fmt::format("{}:{}:{}", path, line, col);
}

json error_json(const FileError& e) {
  json j;
  j["file"] = e.path;
  j["line"] = position(e.line);
  j["column"] = position(e.line ? e.col : 0);
  j["message"] = e.message;
  return j;
}

std::string error_text(const FileError& e, const TextStyle& style) {
  std::string where = location(e.path, e.line, e.col);
  if (style.color) return fmt::format("{}{}:{} {}error:{} {}\n", kBold, where, kReset, kRed, kReset, e.message);
  return fmt::format("{}: error: {}\n", where, e.message);
}

}  // namespace

CharRange char_range(const SourceFile* file, const SourceRange& r) {
  CharRange c;
  if (r.line == 0) return c;
  c.line = r.line;
  if (r.col == 0) return c;
  bool end_given = r.end_line > r.line || (r.end_line == r.line && r.end_col > r.col);
  if (!file) {
    c.col = r.col;
    c.end_line = end_given ? r.end_line : r.line;
    c.end_col = end_given ? std::max(r.end_col, 1u) : r.col + 1;
    return c;
  }
  uint32_t last = std::max(file->line_count(), 1u);
  if (c.line > last) {
    // Past the end of the file: its end.
    c.line = last;
    c.col = chars_in(file->line_text(last), file->line_text(last).size()) + 1;
    end_given = false;
  } else {
    c.col = start_char_col(file->line_text(c.line), r.col);
  }
  c.end_line = c.line;
  c.end_col = c.col + 1;
  if (!end_given) return c;
  if (r.end_line > last) {
    c.end_line = last;
    c.end_col = chars_in(file->line_text(last), file->line_text(last).size()) + 1;
  } else {
    c.end_line = r.end_line;
    c.end_col = r.end_col == 0 ? 1 : end_char_col(file->line_text(r.end_line), r.end_col);
  }
  if (c.end_line == c.line && c.end_col <= c.col) c.end_col = c.col + 1;
  return c;
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
    const SourceFile* file = r.source ? &*r.source : nullptr;
    for (const LintFinding& f : r.findings) {
      CharRange c = char_range(file, f.range);
      std::string where = location(r.path, c.line, c.col);
      if (style.color)
        out += fmt::format("{}{}:{} {}{}:{} {} {}[{}]{}\n", kBold, where, kReset, severity_color(f.severity),
                           severity_name(f.severity), kReset, f.message, kCyan, f.rule, kReset);
      else
        out += fmt::format("{}: {}: {} [{}]\n", where, severity_name(f.severity), f.message, f.rule);
      if (!style.excerpts || !file || c.col == 0) continue;
      std::string_view line = file->line_text(c.line);
      // The underline stops at the end of the first line of the range.
      uint32_t c1 = c.col;
      uint32_t c2 = c.end_line == c.line ? c.end_col : chars_in(line, line.size()) + 1;
      c2 = std::max(c2, c1 + 1);
      std::string caret;
      // Keep tabs so the caret lines up under the word.
      uint32_t ch = 1;
      for (size_t i = 0; i < line.size() && ch < c1; ++i) {
        if (!starts_char(line, i)) continue;
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
    const SourceFile* file = r.source ? &*r.source : nullptr;
    for (const LintFinding& f : r.findings) {
      CharRange c = char_range(file, f.range);
      json j;
      j["file"] = r.path;
      j["line"] = position(c.line);
      j["column"] = position(c.col);
      j["end_line"] = position(c.col ? c.end_line : 0);
      j["end_column"] = position(c.col ? c.end_col : 0);
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
  // file=, and line= and col= when known.
  auto where = [&](const std::string& path, uint32_t line, uint32_t col) {
    std::string o = "file=" + prop(path);
    if (line) o += fmt::format(",line={}", line);
    if (line && col) o += fmt::format(",col={}", col);
    return o;
  };
  std::string out;
  for (const FileError& e : discovery_errors)
    out += fmt::format("::error {}::{}\n", where(e.path, e.line, e.col), data(e.message));
  for (const FileReport& r : reports) {
    if (r.error)
      out += fmt::format("::error {}::{}\n", where(r.path, r.error->line, r.error->col), data(r.error->message));
    const SourceFile* file = r.source ? &*r.source : nullptr;
    for (const LintFinding& f : r.findings) {
      CharRange c = char_range(file, f.range);
      const char* level = f.severity == Severity::Error ? "error" : f.severity == Severity::Warning ? "warning" : "notice";
      out += fmt::format("::{} {},title={}::{}\n", level, where(r.path, c.line, c.col), prop("pm2guard " + f.rule),
                         data(f.message));
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
  // A region only where the line is known (SARIF lines and columns start at 1).
  auto physical = [](const std::string& path, const CharRange& c) {
    json loc = {{"artifactLocation", {{"uri", path}}}};
    if (!c.line) return loc;
    json region = {{"startLine", c.line}};
    if (c.col) {
      region["startColumn"] = c.col;
      region["endLine"] = c.end_line;
      region["endColumn"] = c.end_col;
    }
    loc["region"] = std::move(region);
    return loc;
  };
  auto error_range = [](const FileError& e) {
    CharRange c;
    c.line = e.line;
    c.col = e.line ? e.col : 0;
    c.end_line = c.line;
    c.end_col = c.col + 1;
    return c;
  };
  json results = json::array();
  json notifications = json::array();
  auto notify = [&](const FileError& e) {
    notifications.push_back({{"level", "error"},
                             {"message", {{"text", e.message}}},
                             {"locations", json::array({{{"physicalLocation", physical(e.path, error_range(e))}}})}});
  };
  for (const FileError& e : discovery_errors) notify(e);
  for (const FileReport& r : reports) {
    if (r.error) notify(*r.error);
    const SourceFile* file = r.source ? &*r.source : nullptr;
    for (const LintFinding& f : r.findings) {
      results.push_back({{"ruleId", f.rule},
                         {"level", f.severity == Severity::Note ? "note" : severity_name(f.severity)},
                         {"message", {{"text", f.message}}},
                         {"locations", json::array({{{"physicalLocation", physical(r.path, char_range(file, f.range))}}})}});
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
