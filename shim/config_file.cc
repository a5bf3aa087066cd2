#include "config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cctype>
#include <cstring>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "js_data.h"
#include "process_table.h"
#include "subprocess.h"

namespace pm2guard::shim {

namespace {

// pm2's CLI reads one `data` event from stdin: at most one 64 KiB chunk.
constexpr size_t kMaxStdinDocument = 64 * 1024;

// Runs pm2's own config reading under node. argv: mode (start|action),
// file (as given, or "-" for stdin), "bytes" when the document's bytes come
// on stdin (JSON and YAML: exactly the bytes the shim judged), the pm2
// package root, then pm2's args. The result is written as JSON after a
// marker, since pm2's code may print:
//   apps:   per app {name, string, append, static, namespace, env_keys}
//   config: the document as JSON, which the real pm2 is then handed (see
//           pinned_launch_code()), so that it acts on exactly what was judged
//   env:    what evaluating it changed in process.env (a JS config that loads
//           a .env file), replayed in the real pm2's process
//   lossy:  why the document cannot be handed over as JSON ("" when it can)
const char* kReadConfig = R"JS(
const fs = require('fs'), path = require('path');
const [mode, file, via, root, ...args] = process.argv.slice(1);
process.argv = [process.execPath, path.join(root, 'bin', 'pm2'), ...args];
process.env.PM2_USAGE = 'CLI';
for (const k of ['log', 'info', 'warn']) console[k] = console.error;
const Common = require(path.join(root, 'lib', 'Common.js'));
const before = Object.assign({}, process.env);
let raw;
if (file === '-') {
  raw = Common.parseConfig(fs.readFileSync(0), 'pipe');
} else if (via === 'bytes' || via === 'bytes-tar') {
  raw = Common.parseConfig(fs.readFileSync(0), file);
} else {
  if (!fs.existsSync(file)) { fs.writeSync(1, '\n@@pm2guard@@' + JSON.stringify({missing: true})); process.exit(0); }
  raw = Common.parseConfig(fs.readFileSync(file), file);
}
const env = {set: {}, unset: []};
for (const k of Object.keys(process.env)) if (before[k] !== process.env[k]) env.set[k] = process.env[k];
for (const k of Object.keys(before)) if (!(k in process.env)) env.unset.push(k);
// What JSON keeps of the document is what pm2 will be given: judge that.
function lossy(a, b, where, seen) {
  if (a === undefined) return '';
  if (typeof a === 'function') return `a function at ${where}`;
  if (typeof a === 'symbol' || typeof a === 'bigint') return `a ${typeof a} at ${where}`;
  if (typeof a === 'number') return Number.isFinite(a) ? '' : `${a} at ${where}`;
  if (a === null || typeof a !== 'object') return a === b ? '' : `a value that changes as JSON at ${where}`;
  if (seen.has(a)) return `a cycle at ${where}`;
  seen.add(a);
  if (Object.getPrototypeOf(a) !== Object.prototype && Object.getPrototypeOf(a) !== Array.prototype &&
      Object.getPrototypeOf(a) !== null)
    return `a ${a.constructor && a.constructor.name || 'non-plain'} object at ${where}`;
  if (Array.isArray(a)) {
    for (let i = 0; i < a.length; ++i) {
      if (a[i] === undefined || typeof a[i] === 'function') return `a hole or undefined at ${where}[${i}]`;
      const w = lossy(a[i], b[i], `${where}[${i}]`, seen); if (w) return w;
    }
    return '';
  }
  for (const k of Object.getOwnPropertyNames(a)) {
    const d = Object.getOwnPropertyDescriptor(a, k);
    if (d.get || d.set) return `an accessor at ${where}.${k}`;
    if (!d.enumerable) return `a hidden property at ${where}.${k}`;
    const w = lossy(a[k], b[k], `${where}.${k}`, seen); if (w) return w;
  }
  if (Object.getOwnPropertySymbols(a).length) return `a symbol key at ${where}`;
  return '';
}
const text = JSON.stringify(raw === undefined ? null : raw);
const config = JSON.parse(text);
const why = lossy(raw, config, 'the document', new Set());
const copy = JSON.parse(text);
const env_name = (() => { for (let i = 2; i < process.argv.length - 1; ++i) if (process.argv[i] === '--env') return process.argv[i + 1]; const e = process.argv.find(a => a.startsWith('--env=')); return e ? e.slice(6) : ''; })();
const ns_opt = (() => { for (let i = 2; i < process.argv.length - 1; ++i) if (process.argv[i] === '--namespace') return process.argv[i + 1]; const e = process.argv.find(a => a.startsWith('--namespace=')); return e ? e.slice(12) : ''; })();
function envKeys(a) {
  const keys = [];
  const add = (block, label) => { if (block && typeof block === 'object') for (const k of Object.keys(block)) keys.push(label + '.' + k); };
  add(a.env, 'env');
  if (env_name) add(a['env_' + env_name], 'env_' + env_name);
  return keys;
}
let out;
if (config === null || typeof config !== 'object') {
  out = [];
} else if (mode === 'module') {
  // Modules/NPM.js StartModule: without `apps`/`pm2`, one app from the
  // first `bin` entry or `main`; then _startJson restarts running apps by
  // their own names and starts the others under force_name (the package's
  // name), or for a tarball module under `<pkg>:<app>` (TAR.js name_prefix).
  const tar = via === 'bytes-tar' || args.includes('--tarball');
  if (!copy.apps && !copy.pm2) {
    copy.apps = {};
    if (copy.bin && typeof copy.bin === 'object') copy.apps.script = copy.bin[Object.keys(copy.bin)[0]];
    else if (copy.bin) copy.apps.script = copy.bin;
    else if (copy.main) copy.apps.script = copy.main;
  }
  let apps = copy.apps ? copy.apps : copy.pm2;
  if (!Array.isArray(apps)) apps = [apps];
  apps = Common.verifyConfs(apps);
  if (apps instanceof Error) { console.error(apps.message || String(apps)); process.exit(3); }
  const pkg = '' + copy.name;
  out = apps.map(a => {
    let name = '' + a.name;
    if (tar && name.indexOf(pkg) === -1) name = `${pkg}:${name}`;
    return { name, start_name: tar ? name : pkg, string: true, append: false,
             namespace: a.namespace ? '' + a.namespace : ns_opt, env_keys: envKeys(a) };
  });
} else if (mode === 'start') {
  // _startJson: `apps`, else `pm2`, else the document; then the `static:`
  // entries (serve.js apps, not verified); names compared strictly later.
  let staticConf = [];
  if (copy.static) staticConf = copy.static;
  let apps;
  if (copy.apps) apps = copy.apps;
  else if (copy.pm2) apps = copy.pm2;
  else apps = copy;
  if (!Array.isArray(apps)) apps = [apps];
  const keys = apps.map(a => a && typeof a === 'object' ? envKeys(a) : []);
  apps = Common.verifyConfs(apps);
  if (apps instanceof Error) { console.error(apps.message || String(apps)); process.exit(3); }
  out = apps.map((a, i) => ({ name: '' + a.name, string: typeof a.name === 'string', append: !!a.append_env_to_name,
                              namespace: a.namespace ? '' + a.namespace : ns_opt, env_keys: keys[i] || [] }));
  if (!Array.isArray(staticConf)) staticConf = [staticConf];
  staticConf.forEach(function(serve) {
    const name = serve.name ? serve.name : `static-page-server-${serve.port}`;
    out.push({ name: '' + name, string: typeof name === 'string', append: false, static: true, namespace: '', env_keys: [] });
  });
} else {
  // actionFromJson: `apps`, else the document; name, else the script's
  // basename; Client.getProcessIdByName compares with ==.
  let apps = copy;
  if (copy.apps) apps = copy.apps;
  if (!Array.isArray(apps)) apps = [apps];
  apps = Common.verifyConfs(apps);
  if (apps instanceof Error) { console.error(apps.message || String(apps)); process.exit(3); }
  const names = apps.map(a => a.name ? a.name : path.basename(a.script));
  for (const n of names)
    if (typeof n !== 'string' && typeof n !== 'number') { console.error('Error: an app name is neither a string nor a number'); process.exit(3); }
  out = names.map(n => ({ name: String(n), string: true, append: false, namespace: '', env_keys: [] }));
}
fs.writeSync(1, '\n@@pm2guard@@' + JSON.stringify({apps: out, config: text, env, lossy: why,
                                                    key: file === '-' ? '-' : path.resolve(file)}));
)JS";

// pm2's reading of a document by its name (Common.isConfigFile, in the order
// of knonwConfigFileExtensions): "json" (evaluated as JavaScript), "yaml",
// "js", "mjs", or "" (not a config file).
std::string config_kind(const std::string& file) {
  static const std::pair<const char*, const char*> k[] = {{".json", "json"},         {".yml", "yaml"},
                                                          {".yaml", "yaml"},         {".config.js", "js"},
                                                          {".config.cjs", "js"},     {".config.mjs", "mjs"}};
  for (const auto& [ext, kind] : k)
    if (file.find(ext) != std::string::npos) return kind;
  return "";
}

// The bytes of a config file, read once: a regular file (a FIFO or a device
// is never opened for a blocking read), at most 16 MB. nullopt when it does
// not exist (pm2 reports it and acts on nothing).
std::optional<std::string> read_document(const std::string& file, std::string& error, bool& missing) {
  missing = false;
  int fd = open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) {
      missing = true;
      return std::nullopt;
    }
    error = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    error = "it is not a regular file";
    return std::nullopt;
  }
  if (st.st_size > (16 << 20)) {
    close(fd);
    error = "it is larger than 16 MB";
    return std::nullopt;
  }
  std::string data;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > (16u << 20)) {
      close(fd);
      error = "it is larger than 16 MB";
      return std::nullopt;
    }
  }
  close(fd);
  return data;
}

std::optional<ConfigApps> run_reader(const Pm2ConfigReader& r, const std::string& file, const std::string& mode,
                                     const std::optional<std::string>& bytes, std::string& error,
                                     const std::string& via_bytes = "bytes") {
  bool start_json = mode != "action";
  if (r.pm2_root.empty()) {
    error = "the real pm2's own code (lib/Common.js) was not found to read it with";
    return std::nullopt;
  }
  std::vector<std::string> argv = {"node", "-e", kReadConfig, mode, file, bytes ? via_bytes : "path", r.pm2_root};
  argv.insert(argv.end(), r.args.begin(), r.args.end());
  SubprocessResult s = run_subprocess(argv, bytes.value_or(""), 15, /*search_path=*/true);
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
    nlohmann::json doc = nlohmann::json::parse(s.out.substr(mark + 12));
    std::fill(s.out.begin(), s.out.end(), '\0');  // it holds the apps' environments
    ConfigApps apps;
    if (doc.value("missing", false)) {
      apps.missing = true;
      return apps;
    }
    std::string lossy = doc.at("lossy").get<std::string>();
    if (!lossy.empty()) {
      error = fmt::format("it holds {}, which pm2 cannot be handed exactly as it was judged", lossy);
      return std::nullopt;
    }
    for (const auto& a : doc.at("apps")) {
      std::string name = a.at("name").get<std::string>();
      apps.names.push_back(name);
      ConfigAppFlags f;
      f.name_is_string = a.at("string").get<bool>();
      f.append_env_to_name = a.at("append").get<bool>();
      f.is_static = a.value("static", false);
      apps.flags.push_back(f);
      apps.namespaces.push_back(a.value("namespace", ""));
      apps.start_names.push_back(a.value("start_name", name));
      if (start_json)
        for (const auto& k : a.at("env_keys")) {
          std::string key = k.get<std::string>();
          std::string field = key.substr(key.find('.') + 1);
          const auto& reserved = reserved_env_keys();
          if (std::find(reserved.begin(), reserved.end(), field) != reserved.end())
            apps.reserved_env.push_back(fmt::format("app `{}` ({}): {}", name, file, key));
        }
    }
    apps.pin.key = doc.at("key").get<std::string>();
    apps.pin.document = doc.at("config").get<std::string>();
    apps.pin.env_set = doc.at("env").dump();
    return apps;
  } catch (const nlohmann::json::exception&) {
    error = "reading it printed something that is not a list of names";
    return std::nullopt;
  }
}

// A document pm2 evaluates as JavaScript must be plain data.
std::optional<ConfigApps> code_document(const std::string& label, const std::string& bytes) {
  JsDataVerdict v = check_js_data(bytes);
  if (v.data) return std::nullopt;
  ConfigApps apps;
  apps.code.push_back(fmt::format("{} is code, not data: {} at line {}, column {}", label, v.why, v.line, v.col));
  return apps;
}

}  // namespace

std::optional<ConfigApps> Pm2ConfigReader::file(const std::string& f, bool start_json, std::string& error) const {
  if (pm2_root.empty()) {
    error = "the real pm2's own code (lib/Common.js) was not found to read it with";
    return std::nullopt;
  }
  std::string kind = config_kind(f);
  if (kind == "json" || kind == "yaml") {
    bool missing = false;
    std::optional<std::string> bytes = read_document(f, error, missing);
    if (missing) {
      ConfigApps none;
      none.missing = true;
      return none;
    }
    if (!bytes) {
      error = fmt::format("`{}` cannot be read: {}", f, error);
      return std::nullopt;
    }
    if (kind == "json")
      if (std::optional<ConfigApps> code = code_document("`" + f + "`", *bytes)) return code;
    return run_reader(*this, f, start_json ? "start" : "action", bytes, error);
  }
  return run_reader(*this, f, start_json ? "start" : "action", std::nullopt, error);
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
  if (std::optional<ConfigApps> code = code_document("the document on stdin", data)) return code;
  return run_reader(*this, "-", start_json ? "start" : "action", data, error);
}

std::optional<ModuleApps> Pm2ConfigReader::module(const std::string& arg, bool tarball, std::string& error) const {
  // Modularizer.install: `;`, backquotes and `|` are removed first.
  std::string name;
  for (char c : arg)
    if (c != ';' && c != '`' && c != '|') name += c;
  static const char* kInternal[] = {"deep-monitoring", "gc-stats", "event-loop-inspector", "v8-profiler",
                                    "profiler", "typescript", "livescript", "coffee-script", "coffeescript"};
  for (const char* i : kInternal)
    if (name == i) return ModuleApps{};  // a dependency of pm2 itself: no process
  auto ends_with = [](const std::string& s, const std::string& e) {
    if (s.size() < e.size()) return false;
    for (size_t k = 0; k < e.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(s[s.size() - e.size() + k])) != e[k]) return false;
    return true;
  };
  std::optional<std::string> bytes;
  std::string source, via = "bytes";
  bool missing = false;
  struct stat st {};
  if (name == ".") {
    source = "./package.json";
    bytes = read_document("package.json", error, missing);
  } else if (tarball || ends_with(name, ".tar.gz")) {
    if (name.find("http") != std::string::npos) {
      error = "pm2 downloads it (wget) before it reads its package.json, so its process names are not known";
      return std::nullopt;
    }
    source = name + ":module/package.json";
    via = "bytes-tar";
    SubprocessResult t = run_subprocess({"tar", "-xzOf", name, "module/package.json"}, "", 15, true, 1 << 20);
    if (t.exit_code != 0) {
      error = "its module/package.json cannot be read from the archive";
      return std::nullopt;
    }
    bytes = t.out;
  } else if (stat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    source = name + "/package.json";
    bytes = read_document(name + "/package.json", error, missing);
  } else if (stat(name.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (ends_with(name, ".tgz") || ends_with(name, ".tar"))) {
    source = name + ":package/package.json";
    SubprocessResult t = run_subprocess({"tar", "-xzOf", name, "package/package.json"}, "", 15, true, 1 << 20);
    if (t.exit_code != 0) {
      error = "its package/package.json cannot be read from the archive";
      return std::nullopt;
    }
    bytes = t.out;
  } else {
    error = "pm2 has npm fetch it before it reads its package.json, so the processes it would start and restart "
            "are not known; install it from a directory or a tarball the shim can read";
    return std::nullopt;
  }
  if (!bytes) {
    if (missing) error = fmt::format("{} does not exist", source);
    else error = fmt::format("{} cannot be read: {}", source, error);
    return std::nullopt;
  }
  std::optional<ConfigApps> apps = run_reader(*this, source, "module", bytes, error, via);
  if (!apps) return std::nullopt;
  ModuleApps m;
  m.source = source;
  m.restart_names = apps->names;
  m.start_names = apps->start_names;
  if (!apps->namespaces.empty()) m.ns = apps->namespaces.front();
  m.reserved_env = apps->reserved_env;
  m.pin = apps->pin;
  m.pin.key = "module";
  return m;
}

const std::vector<std::string_view>& reserved_env_keys() {
  static const std::vector<std::string_view> k = {
      "axm_actions",  "axm_dynamic", "axm_monitor", "axm_options",       "created_at",   "gid",
      "name",         "namespace",   "pm2_env",     "pm_cwd",            "pm_err_log_path", "pm_exec_path",
      "pm_id",        "pm_log_path", "pm_out_log_path", "pm_pid_path",   "pm_uptime",    "pmx_module",
      "restart_time", "status",      "uid",         "unique_id",         "unstable_restarts", "username",
      "versioning",   "vizion_running",
  };
  return k;
}

std::optional<DumpContents> read_dump_file(const std::string& dump, const std::string& backup, std::string& error) {
  // Startup.js resurrect: the dump, else (it is missing or does not parse)
  // its backup; neither: nothing is started.
  for (const std::string& file : {dump, backup}) {
    bool missing = false;
    std::string err;
    std::optional<std::string> bytes = read_document(file, err, missing);
    if (!bytes) {
      if (missing) continue;
      error = fmt::format("{} cannot be read: {}", file, err);
      return std::nullopt;
    }
    DumpContents d;
    JsDataVerdict v = check_js_data(*bytes);
    if (!v.data) {
      d.code = fmt::format("the dump {} is code, not data: {} at line {}, column {}", file, v.why, v.line, v.col);
      return d;
    }
    nlohmann::json doc = nlohmann::json::parse(*bytes, nullptr, false);
    std::fill(bytes->begin(), bytes->end(), '\0');
    if (doc.is_discarded()) {
      error = fmt::format("{} is not plain JSON", file);
      return std::nullopt;
    }
    if (!doc.is_array()) continue;  // pm2 then starts nothing from it
    for (const nlohmann::json& e : doc) {
      if (!e.is_object()) continue;
      DumpEntry entry;
      auto str = [](const nlohmann::json& x) {
        return x.is_string() ? x.get<std::string>() : x.is_null() ? std::string() : x.dump();
      };
      if (auto n = e.find("name"); n != e.end()) entry.name = str(*n);
      if (auto n = e.find("namespace"); n != e.end() && !n->is_null()) entry.ns = str(*n);
      std::map<std::string, std::string> ci;
      auto collect = [&ci](const nlohmann::json& obj) {
        if (!obj.is_object()) return;
        for (auto it = obj.begin(); it != obj.end(); ++it)
          if (it.value().is_string() && is_ci_ownership_variable(it.key())) ci.emplace(it.key(), it.value().get<std::string>());
      };
      collect(e);
      if (auto env = e.find("env"); env != e.end()) collect(*env);
      entry.owner = repository_of(ci);
      d.entries.push_back(std::move(entry));
    }
    d.pin.key = "none";
    d.pin.document = doc.dump();
    d.pin.env_set = R"({"set":{},"unset":[]})";
    return d;
  }
  return DumpContents{};
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
