// The apps named by a pm2 ecosystem file or by a document piped into
// `pm2 <cmd> -`, read as pm2 reads them: JSON is evaluated as a JavaScript
// expression, YAML parsed, JS required (so evaluated by node, as pm2 would).
#pragma once

#include <optional>
#include <string>

#include "resolve.h"

namespace pm2guard::shim {

/// App names from a config document's text (`apps` key, an array, or a
/// single app object). `as_javascript`: the text may be JSON or any JS
/// expression (pm2's `vm.runInThisContext('(' + text + ')')`); non-JSON is
/// evaluated with `node`.
std::optional<ConfigApps> apps_from_text(const std::string& text, bool yaml, bool as_javascript, std::string& error);

/// App names from a config file, by pm2's substring test of its name
/// (.json, .yml/.yaml, .config.js/.cjs/.mjs). JS files are required with
/// `node` from PATH, which runs their code exactly as pm2's CLI would.
std::optional<ConfigApps> apps_from_file(const std::string& path, std::string& error);

/// pm2's name for an app: `name`, else the script's basename without its
/// last extension.
std::string render_app_name(const std::string& name, const std::string& script);

}  // namespace pm2guard::shim
