#include "config_file.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "pm2_cli.h"

extern char** environ;

namespace pm2guard::shim {

namespace {

constexpr size_t kMaxConfigBytes = 16u << 20;

// Evaluates a small node program with `arg`, returning its stdout.
std::optional<std::string> run_node(const std::string& program, const std::string& arg, const std::string& input,
                                    std::string& error) {
  int out[2], err[2], in[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(in, O_CLOEXEC)) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  pid_t pid = fork();
  if (pid < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    const char* argv[] = {"node", "-e", program.c_str(), arg.c_str(), nullptr};
    execvp("node", const_cast<char* const*>(argv));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  close(in[0]);
  if (!input.empty()) {
    size_t off = 0;
    while (off < input.size()) {
      ssize_t n = write(in[1], input.data() + off, input.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  close(in[1]);
  std::string so, se;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool o_open = true, e_open = true;
  while (o_open || e_open) {
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, left) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (!fds[k].revents) continue;
      char buf[8192];
      ssize_t n = read(fds[k].fd, buf, sizeof buf);
      if (n <= 0) {
        (k == 0 ? o_open : e_open) = false;
        continue;
      }
      (k == 0 ? so : se).append(buf, static_cast<size_t>(n));
      if (so.size() > kMaxConfigBytes) kill(pid, SIGKILL);
    }
  }
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      error = "node was not found on PATH";
    else {
      // Node prints the source location first; the error itself is the line
      // that names it ("Error: ...", "SyntaxError: ...").
      std::string msg;
      size_t pos = 0;
      while (pos < se.size()) {
        size_t eol = se.find('\n', pos);
        std::string line = se.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        if (line.find("Error") != std::string::npos && line.find(':') != std::string::npos && line.rfind("    at ", 0) != 0) {
          msg = line;
          break;
        }
        if (eol == std::string::npos) break;
        pos = eol + 1;
      }
      if (msg.empty()) msg = se.substr(0, se.find('\n'));
      error = msg.empty() ? "node could not evaluate it" : "node: " + msg;
    }
    return std::nullopt;
  }
  return so;
}

// Reads names out of the JSON that the node helper prints (or a parsed
// JSON config): [{name, script}, ...].
std::optional<ConfigApps> apps_from_json_value(const nlohmann::json& root, std::string& error) {
  nlohmann::json apps = root;
  if (apps.is_object() && apps.contains("apps")) apps = apps["apps"];
  if (!apps.is_array()) apps = nlohmann::json::array({apps});
  ConfigApps out;
  for (const auto& a : apps) {
    if (!a.is_object()) {
      error = "an app entry is not an object";
      return std::nullopt;
    }
    std::string name = a.contains("name") && a["name"].is_string() ? a["name"].get<std::string>() : "";
    std::string script = a.contains("script") && a["script"].is_string() ? a["script"].get<std::string>() : "";
    if (a.contains("name") && !a["name"].is_string() && !a["name"].is_null()) name = a["name"].dump();
    out.names.push_back(render_app_name(name, script));
  }
  return out;
}

// The node side: evaluate as pm2 does and print [{name, script}].
const char* kNodeEval = R"JS(
const fs = require('fs'), path = require('path'), vm = require('vm');
const mode = process.argv[1];
let conf;
if (mode === '-') {
  conf = vm.runInThisContext('(' + fs.readFileSync(0, 'utf8') + ')', { timeout: 1000 });
} else {
  conf = require(path.resolve(mode));
}
if (conf && conf.apps) conf = conf.apps;
if (!Array.isArray(conf)) conf = [conf];
process.stdout.write(JSON.stringify(conf.map(a => a && typeof a === 'object'
  ? { name: a.name === undefined ? undefined : String(a.name), script: a.script === undefined ? undefined : String(a.script) }
  : null)));
)JS";

std::optional<ConfigApps> from_node(const std::string& arg, const std::string& input, std::string& error) {
  std::optional<std::string> out = run_node(kNodeEval, arg, input, error);
  if (!out) return std::nullopt;
  try {
    return apps_from_json_value(nlohmann::json::parse(*out), error);
  } catch (const nlohmann::json::exception&) {
    error = "node printed something that is not JSON";
    return std::nullopt;
  }
}

std::optional<ConfigApps> from_yaml(const std::string& text, std::string& error) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error = fmt::format("invalid YAML at line {}: {}", e.mark.line + 1, e.msg);
    return std::nullopt;
  }
  YAML::Node apps = root.IsMap() && root["apps"] ? root["apps"] : root;
  ConfigApps out;
  auto one = [&](const YAML::Node& a) {
    if (!a.IsMap()) return false;
    std::string name = a["name"] && a["name"].IsScalar() ? a["name"].Scalar() : "";
    std::string script = a["script"] && a["script"].IsScalar() ? a["script"].Scalar() : "";
    out.names.push_back(render_app_name(name, script));
    return true;
  };
  if (apps.IsSequence()) {
    for (const YAML::Node& a : apps)
      if (!one(a)) {
        error = "an app entry is not a mapping";
        return std::nullopt;
      }
  } else if (!one(apps)) {
    error = "no apps found";
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string render_app_name(const std::string& name, const std::string& script) {
  if (!name.empty()) return name;
  if (script.empty()) return "undefined";
  // A script with spaces runs through `bash -c` and is named after itself.
  if (script.find(' ') != std::string::npos) return script;
  std::string base = script.substr(script.find_last_of('/') == std::string::npos ? 0 : script.find_last_of('/') + 1);
  size_t dot = base.find_last_of('.');
  return dot != std::string::npos && dot > 0 ? base.substr(0, dot) : base;
}

std::optional<ConfigApps> apps_from_text(const std::string& text, bool yaml, bool as_javascript, std::string& error) {
  if (yaml) return from_yaml(text, error);
  try {
    return apps_from_json_value(nlohmann::json::parse(text), error);
  } catch (const nlohmann::json::exception&) {
    if (!as_javascript) {
      error = "invalid JSON";
      return std::nullopt;
    }
  }
  // Not strict JSON: pm2 evaluates it as JavaScript, so does node here.
  return from_node("-", text, error);
}

std::optional<ConfigApps> apps_from_file(const std::string& path, std::string& error) {
  // A file that is not there: pm2 says "File ... not found" and acts on
  // nothing, so neither does the command.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return ConfigApps{};
  std::string kind;
  for (auto [ext, k] : {std::pair<const char*, const char*>{".json", "json"}, {".yml", "yaml"}, {".yaml", "yaml"},
                        {".config.js", "js"}, {".config.cjs", "js"}, {".config.mjs", "js"}})
    if (path.find(ext) != std::string::npos) {
      kind = k;
      break;
    }
  if (kind == "js") return from_node(path, "", error);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read it ({})", std::strerror(errno));
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > kMaxConfigBytes) {
    error = "too large";
    return std::nullopt;
  }
  return apps_from_text(text, kind == "yaml", true, error);
}

}  // namespace pm2guard::shim
