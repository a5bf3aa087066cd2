// Renders lint results: the default compiler-style text with a source
// excerpt and caret, and JSON.
#pragma once

#include <string>
#include <vector>

#include "lint.h"

namespace pm2guard::lint {

struct Summary {
  size_t files = 0;
  size_t errors = 0;    ///< findings of severity error
  size_t warnings = 0;
  size_t notes = 0;
  size_t file_errors = 0;
};

Summary summarise(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);

struct TextStyle {
  bool color = false;
  bool excerpts = true;
};

/// `path:line:col: severity: message [rule-id]`, the source line and a caret.
std::string render_text(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors,
                        const TextStyle& style);

/// {"files": N, "findings": [...], "errors": [...]}
std::string render_json(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);

/// GitHub/Gitea workflow commands (`::error file=...,line=...::message`).
std::string render_github(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);

/// SARIF 2.1.0, for code-scanning uploads.
std::string render_sarif(const std::vector<FileReport>& reports, const std::vector<FileError>& discovery_errors);

/// 1-based character column of a byte column on a line of the file.
uint32_t display_column(const SourceFile& file, uint32_t line, uint32_t byte_col);

}  // namespace pm2guard::lint
