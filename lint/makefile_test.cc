#include "makefile.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shell_analysis.h"

using pm2guard::lint::Makefile;
using pm2guard::lint::MakeRule;
using pm2guard::lint::read_makefile;
using pm2guard::lint::SourceFile;

namespace {

struct Read {
  SourceFile file;
  Makefile result;
};

Read read(std::string text, const std::map<std::string, std::string>& command_line = {}) {
  Read r{SourceFile::from_string("Makefile", std::move(text)), {}};
  r.result = read_makefile(r.file, command_line);
  return r;
}

// The script of the recipe `make TARGET` runs for TARGET itself.
std::string recipe_of(const Read& r, const std::string& target) {
  auto recipes = r.result.recipes_for(target);
  REQUIRE(recipes.size() == 1);
  return r.result.recipes[recipes[0]].text.text();
}

std::vector<uint32_t> origins(const pm2guard::lint::MappedText& m, size_t from, size_t to) {
  std::vector<uint32_t> o;
  for (size_t i = from; i < to; ++i) o.push_back(m.origin(i));
  return o;
}

struct Calls : pm2guard::lint::ShellSink {
  std::vector<pm2guard::Invocation> calls;
  void invocation(const pm2guard::Invocation& inv, const pm2guard::Pm2Call&) override { calls.push_back(inv); }
  void parse_problem(const pm2guard::SourceRange&, const std::string&) override {}
};

}  // namespace

TEST_CASE("one sh script per recipe, a line each, prefixes dropped", "[makefile]") {
  std::string text =
      ".PHONY: deploy\n"
      "deploy: build\n"
      "\t@echo deploying\n"
      "\t-pm2 delete all\n"
      "\t+@ pm2 save\n"
      "build:\n"
      "\tnpm run build\n";
  Read r = read(text);
  CHECK(r.result.unread.empty());
  REQUIRE(r.result.rules.size() == 3);
  CHECK(r.result.rules[0].targets == std::vector<std::string>{".PHONY"});
  CHECK(r.result.rules[0].prerequisites == std::vector<std::string>{"deploy"});
  CHECK(r.result.rules[0].recipe == Makefile::npos);
  const MakeRule& deploy = r.result.rules[1];
  CHECK(deploy.targets == std::vector<std::string>{"deploy"});
  CHECK(deploy.prerequisites == std::vector<std::string>{"build"});
  CHECK(deploy.offset == text.find("deploy:"));
  REQUIRE(r.result.recipes.size() == 2);
  const auto& unit = r.result.recipes[deploy.recipe];
  CHECK(unit.text.text() == "echo deploying\npm2 delete all\npm2 save");
  CHECK(unit.shell == "sh");
  CHECK(unit.label == "target deploy");
  CHECK(unit.anchor == text.find("deploy:"));
  // Every byte maps to its own place; a line break to the end of its line.
  const auto& m = unit.text;
  CHECK(m.origin(0) == text.find("echo"));
  CHECK(m.origin(14) == text.find("\n\t-pm2"));
  CHECK(m.origin(15) == text.find("pm2 delete"));
  CHECK(m.origin(m.text().find("save")) == text.find("save"));
  CHECK(r.file.line_char_col(m.origin(m.text().find("all"))) == std::pair<uint32_t, uint32_t>{4, 14});
  CHECK(r.result.default_goal == "deploy");
  CHECK(recipe_of(r, "build") == "npm run build");
}

TEST_CASE("continuations: the backslash-newline kept for the shell, the continued line's tab dropped", "[makefile]") {
  std::string text =
      "restart:\n"
      "\tssh deploy@host \\\n"
      "\t  'pm2 reload api' \\\n"
      "\t\t&& echo done\n";
  Read r = read(text);
  CHECK(r.result.unread.empty());
  const auto& m = r.result.recipes.at(0).text;
  CHECK(m.text() == "ssh deploy@host \\\n  'pm2 reload api' \\\n\t&& echo done");
  size_t quote = m.text().find('\'');
  CHECK(m.origin(quote) == text.find('\''));
  CHECK(m.origin(quote - 3) == text.find("\\\n\t  ") + 1);  // the kept line break
  CHECK(m.origin(m.text().find("&&")) == text.find("&&"));
}

TEST_CASE("$$ is $, with the offset of the first $", "[makefile]") {
  std::string text = "stop:\n\tpm2 jlist | jq -r '.[].name' | while read n; do pm2 stop $$n; done; echo $${HOME}\n";
  Read r = read(text);
  const auto& m = r.result.recipes.at(0).text;
  CHECK(m.text() == "pm2 jlist | jq -r '.[].name' | while read n; do pm2 stop $n; done; echo ${HOME}");
  size_t dollar = m.text().find("$n");
  CHECK(origins(m, dollar, dollar + 2) == std::vector<uint32_t>{static_cast<uint32_t>(text.find("$$n")),
                                                                 static_cast<uint32_t>(text.find("$$n") + 2)});
}

TEST_CASE("simple variables of the same file are replaced, at the reference", "[makefile]") {
  std::string text =
      "APP := api\n"
      "HOST ?= deploy@example.org\n"
      "DIR = /srv/$(APP)\n"
      "TARGETS = all\n"
      "FLAGS = --update-env  # trailing comment\n"
      "deploy:\n"
      "\tssh $(HOST) 'cd $(DIR) && pm2 delete ${TARGETS} $(FLAGS)'\n"
      "\t$(MAKE) -C sub restart\n";
  Read r = read(text);
  CHECK(r.result.unread.empty());
  const auto& m = r.result.recipes.at(0).text;
  CHECK(m.text() == "ssh deploy@example.org 'cd /srv/api && pm2 delete all --update-env  '\nmake -C sub restart");
  // An expansion sits at its reference: its first bytes at the `$`, its last
  // byte at the closing parenthesis, so that a word it ends ends there.
  size_t all = m.text().find("all");
  uint32_t ref = static_cast<uint32_t>(text.find("${TARGETS}"));
  CHECK(origins(m, all, all + 3) == std::vector<uint32_t>{ref, ref, ref + 9});
  CHECK(m.origin(all + 3) == ref + 10);  // the space after it is the file's
  CHECK_FALSE(m.exact());
  // Text around references keeps its own offsets.
  CHECK(m.origin(m.text().find("'cd")) == text.find("'cd"));
}

TEST_CASE("what make only knows at run time becomes a shell expansion", "[makefile]") {
  std::string text =
      "ifeq ($(ENV),prod)\n"
      "APPS := api worker\n"
      "else\n"
      "APPS := all\n"
      "endif\n"
      "REV := $(shell git rev-parse HEAD)\n"
      "web: NAME = web\n"
      "define STEPS\n"
      "pm2 kill\n"
      "endef\n"
      "LIST != pm2 jlist\n"
      "x:\n"
      "\t$(info deploying $(APPS))\n"
      "\tpm2 delete $(APPS) $(UNSET) $(REV) $(NAME) $(STEPS) $(LIST) $(SRCS:.c=.o) $($(ENV)_HOST) $(notdir $(F))\n";
  Read r = read(text);
  CHECK(r.result.unread.empty());
  const auto& m = r.result.recipes.at(0).text;
  CHECK(m.text() ==
        "pm2 delete ${APPS} ${UNSET} ${_make_shell} ${NAME} ${STEPS} ${LIST} ${_make} ${_make} ${_make_notdir}");
  // A spelling as long as its reference maps byte for byte.
  size_t apps = m.text().find("${APPS}");
  uint32_t ref = static_cast<uint32_t>(text.find("delete $(APPS)") + 7);
  CHECK(origins(m, apps, apps + 7) ==
        std::vector<uint32_t>{ref, ref + 1, ref + 2, ref + 3, ref + 4, ref + 5, ref + 6});
  // The command line's value wins.
  Read cmd = read(text, {{"APPS", "all"}});
  CHECK(cmd.result.recipes.at(0).text.text().rfind("pm2 delete all ", 0) == 0);
}

TEST_CASE("assignments as make reads them: = late, := at once, ?=, +=, override", "[makefile]") {
  std::string text =
      "A = $(B)\n"
      "C := $(B)\n"
      "B = late\n"
      "D ?= first\n"
      "D ?= second\n"
      "E = one\n"
      "E += two\n"
      "F := x\n"
      "F += $(B)\n"
      "G += solo\n"
      "H = $(H) again\n"
      "override I = forced\n"
      "export J = exported\n"
      "K = $$HOME \\\n"
      "    next\n"
      "t:\n"
      "\techo $(A)|$(C)|$(D)|$(E)|$(F)|$(G)|$(I)|$(J)|$(K)|$(H)\n";
  Read r = read(text, {{"I", "cli"}, {"J", "cli"}});
  CHECK(r.result.unread.empty());
  CHECK(recipe_of(r, "t") == "echo late|${B}|first|one two|x late|solo|forced|cli|$HOME next|${H}");
}

TEST_CASE("automatic variables from the rule's own names", "[makefile]") {
  std::string text =
      "restart-%: ; pm2 restart $*\n"
      "api: a.js b.js a.js | logs\n"
      "\tpm2 start $< --name $@ && echo $^ / $+ / $| / $? $(@D)\n"
      "DEPLOY = pm2 reload $@\n"
      "worker:\n"
      "\t$(DEPLOY)\n"
      "one two:\n"
      "\tpm2 restart $@\n";
  Read r = read(text);
  CHECK(r.result.unread.empty());
  CHECK(recipe_of(r, "restart-%") == "pm2 restart ${_make_stem}");
  CHECK(recipe_of(r, "api") == "pm2 start a.js --name api && echo a.js b.js / a.js b.js a.js / logs / ${_make_newer} ${_make}");
  CHECK(recipe_of(r, "worker") == "pm2 reload worker");
  CHECK(recipe_of(r, "one") == "pm2 restart ${_make_target}");
  CHECK(r.result.recipes[r.result.recipes_for("two")[0]].label == "target one two");
  CHECK(r.result.default_goal == "api");
}

TEST_CASE("targets, prerequisites and the recipes make runs for a target", "[makefile]") {
  std::string text =
      "SERVICES = api worker\n"
      "deploy: build $(SERVICES) | dirs\n"
      "deploy: migrate\n"
      "\tpm2 reload ecosystem.config.js\n"
      "deploy:\n"
      "\tpm2 delete all\n"
      "log::\n"
      "\techo one\n"
      "log::\n"
      "\techo two\n"
      "$(OUT): src\n"
      "\tcp src $(OUT)\n";
  Read r = read(text);
  CHECK(r.result.unread.empty());
  CHECK(r.result.prerequisites_of("deploy") == std::vector<std::string>{"build", "api", "worker", "migrate", "dirs"});
  CHECK(recipe_of(r, "deploy") == "pm2 delete all");  // the last recipe overrides
  auto log = r.result.recipes_for("log");
  REQUIRE(log.size() == 2);
  CHECK(r.result.recipes[log[0]].text.text() == "echo one");
  CHECK(r.result.recipes[log[1]].text.text() == "echo two");
  CHECK(r.result.rules[3].double_colon);
  CHECK(r.result.recipes_for("nothing").empty());
  // A target only known at run time: no name, the recipe still read.
  const MakeRule& out = r.result.rules.back();
  CHECK(out.targets.empty());
  REQUIRE(out.recipe != Makefile::npos);
  CHECK(r.result.recipes[out.recipe].label == "target $(OUT)");
  CHECK(r.result.recipes[out.recipe].text.text() == "cp src ${OUT}");
}

TEST_CASE("SHELL set to bash makes recipes bash", "[makefile]") {
  Read r = read("SHELL := /bin/bash\nx:\n\tpm2 restart {a,b}\n");
  CHECK(r.result.recipes.at(0).shell == "bash");
  Read sh = read("SHELL = /bin/dash\nx:\n\tpm2 restart a\n");
  CHECK(sh.result.recipes.at(0).shell == "sh");
}

TEST_CASE("recipe lines in conditionals are all read", "[makefile]") {
  Read r = read(
      "deploy:\n"
      "ifeq ($(ENV),prod)\n"
      "\tpm2 reload api\n"
      "else\n"
      "\tpm2 delete all\n"
      "endif\n");
  CHECK(r.result.unread.empty());
  CHECK(recipe_of(r, "deploy") == "pm2 reload api\npm2 delete all");
}

TEST_CASE("what the grammar cannot read is reported, and the rest is still read", "[makefile]") {
  // Valid make (`\$$(` is a backslash and a dollar) that tree-sitter-make
  // cannot read: that line is left out, the others are read.
  std::string text =
      "deploy:\n"
      "\tpm2 reload api\n"
      "\tsed -e 's,\\$$(\\([A-Z]*\\)),\\$$\\{\\1\\},g' < in > out\n"
      "\tpm2 save\n"
      "stop:\n"
      "\tpm2 delete all\n";
  Read r = read(text);
  REQUIRE_FALSE(r.result.unread.empty());
  CHECK(r.file.line_col(r.result.unread[0].begin).first == 3);
  CHECK(r.result.unread[0].message ==
        "the Makefile grammar (tree-sitter-make) cannot read this part; what it could not make out in it is not linted");
  CHECK(recipe_of(r, "deploy") == "pm2 reload api\npm2 save");
  CHECK(recipe_of(r, "stop") == "pm2 delete all");

  // An unterminated reference (make stops there too): the rest of the file
  // is not read, what comes before it is.
  Read broken = read("deploy:\n\tpm2 reload api\n\techo $(oops\n\tpm2 save\nstop:\n\tpm2 delete all\n");
  REQUIRE(broken.result.unread.size() == 1);
  CHECK(broken.file.line_col(broken.result.unread[0].begin) == std::pair<uint32_t, uint32_t>{3, 1});
  CHECK(broken.file.line_col(broken.result.unread[0].end).first == 6);
  CHECK(recipe_of(broken, "deploy") == "pm2 reload api");
  CHECK(broken.result.recipes_for("stop").empty());

  // No final line break, CRLF line ends, an empty file.
  CHECK(recipe_of(read("a:\n\tpm2 kill"), "a") == "pm2 kill");
  Read crlf = read("APP := api\r\na: b\r\n\tpm2 restart \\\r\n\t  $(APP)\r\n");
  CHECK(recipe_of(crlf, "a") == "pm2 restart \\\n  api");
  Read empty = read("");
  CHECK(empty.result.rules.empty());
  CHECK(empty.result.unread.empty());
}

TEST_CASE("expansion is bounded", "[makefile]") {
  // Each level doubles: 2^40 bytes if expanded in full.
  std::string text = "V0 = x\n";
  for (int i = 1; i <= 40; ++i) text += "V" + std::to_string(i) + " = $(V" + std::to_string(i - 1) + ")$(V" + std::to_string(i - 1) + ")\n";
  text += "L = $(L)\nt:\n\techo $(V40) $(V3) $(L)\n";
  Read r = read(text);
  CHECK(recipe_of(r, "t") == "echo ${V40} xxxxxxxx ${L}");

  // And so is what all references of a file expand to together.
  std::string many = "B = " + std::string(60000, 'x') + "\nt:\n";
  for (int i = 0; i < 200; ++i) many += "\techo $(B)\n";
  Read big = read(many);
  std::string script = recipe_of(big, "t");
  CHECK(script.size() < (size_t{1} << 23));
  CHECK(script.find("echo ${B}") != std::string::npos);
  CHECK(script.rfind("echo x", 0) == 0);
}

TEST_CASE("the shell analysis finds a recipe's pm2 calls at their place in the Makefile", "[makefile]") {
  std::string text =
      "TARGETS := all\n"
      "stop:\n"
      "\t@ssh deploy@host 'pm2 delete $(TARGETS)'\n"
      "\t-pm2 restart $(APP)\n";
  Read r = read(text);
  REQUIRE(r.result.recipes.size() == 1);
  Calls sink;
  pm2guard::lint::analyse_script(r.file, r.result.recipes[0], sink);
  REQUIRE(sink.calls.size() == 2);
  CHECK(sink.calls[0].serialize() == "[pm2][delete][all]");
  CHECK(sink.calls[0].via == std::vector<std::string>{"ssh"});
  CHECK(sink.calls[0].args[1].range == pm2guard::SourceRange{3, 31, 3, 41});  // `$(TARGETS)`
  CHECK(sink.calls[1].args[0].text == "restart");
  CHECK(sink.calls[1].args[1].range == pm2guard::SourceRange{4, 15, 4, 21});  // `$(APP)`, a run-time value
}
