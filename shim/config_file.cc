#include "config_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace pm2guard::shim {

namespace {

// pm2's CLI reads one `data` event from stdin: at most one 64 KiB chunk.
constexpr size_t kMaxStdinDocument = 64 * 1024;

// Runs pm2's own config reading under node. argv: mode (start|action),
// file (as given, or "-" for stdin), the pm2 package root, then pm2's args.
// The result is written as JSON after a marker, since pm2's code may print.
const char* kReadConfig = R"JS(
const fs = require('fs'), path = require('path');
const [mode, file, root, ...args] = process.argv.slice(1);
process.argv = [process.execPath, path.join(root, 'bin', 'pm2'), ...args];
process.env.PM2_USAGE = 'CLI';
for (const k of ['log', 'info', 'warn']) console[k] = console.error;
const Common = require(path.join(root, 'lib', 'Common.js'));
let config;
if (file === '-') {
  config = Common.parseConfig(fs.readFileSync(0), 'pipe');
} else {
  if (!fs.existsSync(file)) { fs.writeSync(1, '\n@@pm2guard@@[]'); process.exit(0); }
  config = Common.parseConfig(fs.readFileSync(file), file);
}
if (mode === 'start') {
  // _startJson: `apps`, else `pm2`, else the document; then the `static:`
  // entries (serve.js apps, not verified); names compared strictly later.
  let staticConf = [];
  if (config.static) staticConf = config.static;
  let apps;
  if (config.apps) apps = config.apps;
  else if (config.pm2) apps = config.pm2;
  else apps = config;
  if (!Array.isArray(apps)) apps = [apps];
  apps = Common.verifyConfs(apps);
  if (apps instanceof Error) { console.error(apps.message || String(apps)); process.exit(3); }
  const out = apps.map(a => ({ name: '' + a.name, string: typeof a.name === 'string', append: !!a.append_env_to_name }));
  staticConf.forEach(function(serve) {
    const name = serve.name ? serve.name : `static-page-server-${serve.port}`;
    out.push({ name: '' + name, string: typeof name === 'string', append: false, static: true });
  });
  fs.writeSync(1, '\n@@pm2guard@@' + JSON.stringify(out));
} else {
  // actionFromJson: `apps`, else the document; name, else the script's
  // basename; Client.getProcessIdByName compares with ==.
  let apps = config;
  if (config.apps) apps = config.apps;
  if (!Array.isArray(apps)) apps = [apps];
  apps = Common.verifyConfs(apps);
  if (apps instanceof Error) { console.error(apps.message || String(apps)); process.exit(3); }
  const names = apps.map(a => a.name ? a.name : path.basename(a.script));
  for (const n of names)
    if (typeof n !== 'string' && typeof n !== 'number') { console.error('Error: an app name is neither a string nor a number'); process.exit(3); }
  fs.writeSync(1, '\n@@pm2guard@@' + JSON.stringify(names.map(String)));
}
)JS";

std::optional<ConfigApps> read(const Pm2ConfigReader& r, const std::string& file, bool start_json, const std::string& input,
                               std::string& error) {
  if (r.pm2_root.empty()) {
    error = "the real pm2's own code (lib/Common.js) was not found to read it with";
    return std::nullopt;
  }
  std::vector<std::string> argv = {"node", "-e", kReadConfig, start_json ? "start" : "action", file, r.pm2_root};
  argv.insert(argv.end(), r.args.begin(), r.args.end());
  SubprocessResult s = run_subprocess(argv, input, 15, /*search_path=*/true);
  if (s.exit_code != 0) {
    if (s.exit_code == 127)
      error = "node was not found on PATH";
    else if (s.timed_out)
      error = "node did not finish reading it";
    else {
      // Node prints the source location first; the error is the line that
      // names it ("Error: ...", "SyntaxError: ...").
      std::string msg;
      size_t pos = 0;
      while (pos < s.err.size()) {
        size_t eol = s.err.find('\n', pos);
        std::string line = s.err.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        if (line.find("Error") != std::string::npos && line.rfind("    at ", 0) != 0) {
          msg = line;
          break;
        }
        if (eol == std::string::npos) break;
        pos = eol + 1;
      }
      if (msg.empty()) msg = s.err.substr(0, s.err.find('\n'));
      error = msg.empty() ? "pm2 could not read it" : "pm2 could not read it: " + msg;
    }
    return std::nullopt;
  }
  size_t mark = s.out.rfind("@@pm2guard@@");
  if (mark == std::string::npos) {
    error = "reading it printed no result";
    return std::nullopt;
  }
  try {
    nlohmann::json names = nlohmann::json::parse(s.out.substr(mark + 12));
    ConfigApps apps;
    for (const auto& n : names) {
      if (n.is_object()) {
        apps.names.push_back(n.at("name").get<std::string>());
        ConfigAppFlags f;
        f.name_is_string = n.at("string").get<bool>();
        f.append_env_to_name = n.at("append").get<bool>();
        f.is_static = n.value("static", false);
        apps.flags.push_back(f);
      } else {
        apps.names.push_back(n.get<std::string>());
      }
    }
    if (!apps.flags.empty() && apps.flags.size() != apps.names.size()) {
      error = "reading it printed names of two kinds";
      return std::nullopt;
    }
    return apps;
  } catch (const nlohmann::json::exception&) {
    error = "reading it printed something that is not a list of names";
    return std::nullopt;
  }
}

}  // namespace

std::optional<ConfigApps> Pm2ConfigReader::file(const std::string& f, bool start_json, std::string& error) const {
  return read(*this, f, start_json, "", error);
}

std::optional<ConfigApps> Pm2ConfigReader::stdin_document(const std::string& data, bool start_json,
                                                          std::string& error) const {
  if (data.size() > kMaxStdinDocument) {
    error = fmt::format("{} bytes on stdin: pm2 parses only the first chunk it reads, so what it would act on "
                        "is not certain",
                        data.size());
    return std::nullopt;
  }
  if (data.empty()) return ConfigApps{};
  return read(*this, "-", start_json, data, error);
}

std::string pm2_root_of(const std::string& real_pm2) {
  char buf[PATH_MAX];
  if (!realpath(real_pm2.c_str(), buf)) return {};
  std::string p(buf);
  // <root>/bin/pm2
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return {};
  std::string bin = p.substr(0, slash);
  size_t slash2 = bin.rfind('/');
  if (slash2 == std::string::npos) return {};
  std::string root = bin.substr(0, slash2);
  struct stat st {};
  if (stat((root + "/lib/Common.js").c_str(), &st) != 0) return {};
  return root;
}

}  // namespace pm2guard::shim
