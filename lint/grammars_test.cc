// Every tree-sitter grammar pinned in third_party/package-lock.json loads
// into the pinned core, with an ABI version the core supports, and parses a
// small real sample of the files it is pinned for without an error.
#include <tree_sitter/api.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
const TSLanguage* tree_sitter_bash(void);
const TSLanguage* tree_sitter_json(void);
const TSLanguage* tree_sitter_make(void);
const TSLanguage* tree_sitter_javascript(void);
const TSLanguage* tree_sitter_python(void);
const TSLanguage* tree_sitter_php(void);
const TSLanguage* tree_sitter_powershell(void);
}

namespace {

struct Grammar {
  const char* name;
  const TSLanguage* (*language)();
  uint32_t abi;           ///< the LANGUAGE_VERSION of the pinned parser.c
  const char* root;       ///< the root node's type
  const char* must_have;  ///< a node type the sample must contain
  std::string_view sample;
};

const std::vector<Grammar>& grammars() {
  static const std::vector<Grammar> k = {
      {"bash", tree_sitter_bash, 15, "program", "command",
       "#!/usr/bin/env bash\n"
       "set -euo pipefail\n"
       "ssh deploy@host 'cd /srv/app && pm2 reload ecosystem.config.js --only api'\n"
       "for p in $(pm2 jlist | jq -r '.[].name'); do echo \"$p\"; done\n"},
      {"json", tree_sitter_json, 14, "document", "pair",
       "{\n"
       "  \"name\": \"app\",\n"
       "  \"version\": \"1.0.0\",\n"
       "  \"scripts\": {\n"
       "    \"start\": \"pm2 start ecosystem.config.js\",\n"
       "    \"stop\": \"pm2 delete \\u0061pp-api\",\n"
       "    \"deploy\": \"npm run build && pm2 deploy production\"\n"
       "  },\n"
       "  \"dependencies\": {\"express\": \"^4.19.2\"},\n"
       "  \"private\": true, \"workspaces\": [], \"n\": -1.5e3, \"x\": null\n"
       "}\n"},
      {"make", tree_sitter_make, 14, "makefile", "recipe_line",
       "APP := api\n"
       "HOST ?= deploy@example.org\n"
       ".PHONY: deploy restart\n"
       "\n"
       "deploy: build restart\n"
       "\t@echo deploying $(APP)\n"
       "\t-ssh $(HOST) 'pm2 reload $(APP)' \\\n"
       "\t  || true\n"
       "\n"
       "restart:\n"
       "\tpm2 restart $${APP:-api}\n"},
      {"javascript", tree_sitter_javascript, 15, "program", "call_expression",
       "const { execSync } = require('child_process');\n"
       "module.exports = {\n"
       "  apps: [{ name: 'api', script: 'server.js' }],\n"
       "  deploy: {\n"
       "    production: {\n"
       "      user: 'deploy', host: ['example.org'], ref: 'origin/main',\n"
       "      'post-deploy': `npm ci && pm2 reload ecosystem.config.js --env production`,\n"
       "    },\n"
       "  },\n"
       "};\n"
       "execSync('pm2 restart api', { stdio: 'inherit' });\n"},
      {"python", tree_sitter_python, 15, "module", "call",
       "import paramiko\n"
       "\n"
       "def restart(host: str) -> None:\n"
       "    client = paramiko.SSHClient()\n"
       "    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
       "    client.connect(host, username=\"deploy\")\n"
       "    _, out, _ = client.exec_command(f\"pm2 reload {APP}\")\n"
       "    print(out.read().decode())\n"},
      {"php", tree_sitter_php, 15, "program", "function_call_expression",
       "<?php\n"
       "namespace Deployer;\n"
       "\n"
       "require 'recipe/common.php';\n"
       "\n"
       "host('example.org')->set('remote_user', 'deploy');\n"
       "\n"
       "task('pm2:reload', function () {\n"
       "    run('cd {{release_path}} && pm2 reload ecosystem.config.js');\n"
       "});\n"
       "after('deploy:symlink', 'pm2:reload');\n"},
      {"powershell", tree_sitter_powershell, 15, "program", "command",
       "param([string]$Target = 'api')\n"
       "$ErrorActionPreference = 'Stop'\n"
       "ssh deploy@example.org \"pm2 reload $Target\"\n"
       "if ($LASTEXITCODE -ne 0) { Write-Error \"reload failed\" }\n"},
  };
  return k;
}

struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};
struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};

// Whether a node of `type` occurs in the tree (an iterative walk).
bool contains(TSNode root, const char* type) {
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  bool found = false;
  for (;;) {
    if (std::strcmp(ts_node_type(ts_tree_cursor_current_node(&cursor)), type) == 0) {
      found = true;
      break;
    }
    if (ts_tree_cursor_goto_first_child(&cursor)) continue;
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (!ts_tree_cursor_goto_parent(&cursor)) {
        ts_tree_cursor_delete(&cursor);
        return false;
      }
    }
  }
  ts_tree_cursor_delete(&cursor);
  return found;
}

}  // namespace

TEST_CASE("every pinned grammar loads with an ABI version the core supports", "[grammars]") {
  for (const Grammar& g : grammars()) {
    INFO("grammar " << g.name);
    const TSLanguage* language = g.language();
    REQUIRE(language != nullptr);
    uint32_t abi = ts_language_abi_version(language);
    CHECK(abi == g.abi);
    CHECK(abi >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
    CHECK(abi <= TREE_SITTER_LANGUAGE_VERSION);
    std::unique_ptr<TSParser, ParserDeleter> parser(ts_parser_new());
    CHECK(ts_parser_set_language(parser.get(), language));
    CHECK(ts_language_symbol_count(language) > 0);
  }
}

TEST_CASE("every pinned grammar parses a real sample without an error", "[grammars]") {
  for (const Grammar& g : grammars()) {
    INFO("grammar " << g.name);
    std::unique_ptr<TSParser, ParserDeleter> parser(ts_parser_new());
    REQUIRE(ts_parser_set_language(parser.get(), g.language()));
    std::unique_ptr<TSTree, TreeDeleter> tree(
        ts_parser_parse_string(parser.get(), nullptr, g.sample.data(), static_cast<uint32_t>(g.sample.size())));
    REQUIRE(tree);
    TSNode root = ts_tree_root_node(tree.get());
    CHECK(std::string(ts_node_type(root)) == g.root);
    CHECK_FALSE(ts_node_has_error(root));
    CHECK(ts_node_end_byte(root) == g.sample.size());
    CHECK(contains(root, g.must_have));
  }
}

TEST_CASE("a grammar reports broken input as an error, not a crash", "[grammars]") {
  // What each source reader relies on to report bad input with a position.
  const std::vector<std::pair<const TSLanguage* (*)(), std::string_view>> broken = {
      {tree_sitter_json, "{\"scripts\": {\"stop\": \"pm2 kill\",}"},
      {tree_sitter_make, "deploy:\n\tpm2 reload api\nifeq (a,b)\n"},
      {tree_sitter_javascript, "module.exports = { deploy: { 'post-deploy': 'pm2 kill' };\n"},
      {tree_sitter_python, "def f(:\n    pass\n"},
      {tree_sitter_php, "<?php run('pm2 kill'\n"},
      {tree_sitter_powershell, "if ($x { pm2 kill }\n"},
  };
  for (const auto& [language, text] : broken) {
    INFO(text);
    std::unique_ptr<TSParser, ParserDeleter> parser(ts_parser_new());
    REQUIRE(ts_parser_set_language(parser.get(), language()));
    std::unique_ptr<TSTree, TreeDeleter> tree(
        ts_parser_parse_string(parser.get(), nullptr, text.data(), static_cast<uint32_t>(text.size())));
    REQUIRE(tree);
    CHECK(ts_node_has_error(ts_tree_root_node(tree.get())));
  }
}
