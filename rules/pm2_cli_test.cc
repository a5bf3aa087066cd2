#include "pm2_cli.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace pm2guard;
using pm2guard::testing::inv;

namespace {

Pm2Call parse(const std::string& line) { return parse_pm2_call(inv(line)); }

std::vector<std::string> target_values(const Pm2Call& c) {
  std::vector<std::string> v;
  for (const Target& t : c.targets) v.push_back(t.value);
  return v;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("commands and aliases resolve to their canonical name", "[cli]") {
  CHECK(parse("pm2 del api").command == "delete");
  CHECK(parse("pm2 ls").command == "list");
  CHECK(parse("pm2 save").command == "dump");
  CHECK(parse("pm2 delet all").outcome == Outcome::UnknownCommand);
  CHECK(parse("pm2 Delete all").outcome == Outcome::UnknownCommand);
  CHECK(parse("pm2").outcome == Outcome::NoCommand);
  CHECK(parse("pm2 -s").outcome == Outcome::NoCommand);
}

TEST_CASE("root options parse before or after the subcommand", "[cli]") {
  CHECK(target_values(parse("pm2 -s stop x")) == V{"x"});
  CHECK(target_values(parse("pm2 restart -s x")) == V{"x"});
  CHECK(target_values(parse("pm2 stop x -n y -s")) == V{"x"});
  CHECK(target_values(parse("pm2 --no-color --mini-list delete x")) == V{"x"});
  CHECK(parse("pm2 --no-color delete x").command == "delete");
}

TEST_CASE("options that take a value swallow the next word", "[cli]") {
  CHECK(target_values(parse("pm2 stop -n all new-app")) == V{"new-app"});
  CHECK(target_values(parse("pm2 stop --name=all new-app")) == V{"new-app"});
  Pm2Call watch = parse("pm2 stop --watch all");  // optional value eats `all`
  CHECK(watch.outcome == Outcome::UsageError);
  CHECK(target_values(parse("pm2 stop --watch -s all")) == V{"all"});
  CHECK(target_values(parse("pm2 stop -n -h all")) == V{"all"});  // -h is the name
  CHECK(parse("pm2 delete all --name").outcome == Outcome::UsageError);
}

TEST_CASE("version and help flags short-circuit wherever commander sees them", "[cli]") {
  CHECK(parse("pm2 delete all -v").outcome == Outcome::PrintsVersion);
  CHECK(parse("pm2 delete all --version").outcome == Outcome::PrintsVersion);
  CHECK(parse("pm2 -V delete all").outcome == Outcome::PrintsVersion);
  CHECK(parse("pm2 -sv delete all").outcome == Outcome::PrintsVersion);
  CHECK(parse("pm2 -v --").outcome == Outcome::PrintsVersion);
  CHECK(parse("pm2 delete all --help").outcome == Outcome::PrintsHelp);
  CHECK(parse("pm2 delete -h all").outcome == Outcome::PrintsHelp);
  CHECK(parse("pm2 -h").outcome == Outcome::PrintsHelp);
  // After `--` they are plain arguments.
  Pm2Call after = parse("pm2 delete x -- -v");
  CHECK(after.outcome == Outcome::Runs);
  CHECK(target_values(after) == V{"x", "-v"});
  // As an option's value -v is swallowed, except that pm2 itself checks the
  // raw argv for -v before a `--`.
  CHECK(parse("pm2 delete all -n -v").outcome == Outcome::Runs);
  CHECK(parse("pm2 delete all -n -v -- x").outcome == Outcome::PrintsVersion);
}

TEST_CASE("unknown options abort before any action", "[cli]") {
  CHECK(parse("pm2 stop --bogus all").outcome == Outcome::UsageError);
  CHECK(parse("pm2 stop new-app --bogus").outcome == Outcome::UsageError);
  CHECK(parse("pm2 --bogus").outcome == Outcome::UsageError);
  Pm2Call logs = parse("pm2 logs --lines 10 app");
  CHECK(logs.outcome == Outcome::Runs);
  CHECK(logs.positionals.size() == 1);
  CHECK(parse("pm2 dump --force").outcome == Outcome::Runs);
}

TEST_CASE("arguments after -- are targets for stop and delete only", "[cli]") {
  CHECK(target_values(parse("pm2 delete flyer-api-test -- stock-alert-api")) == V{"flyer-api-test", "stock-alert-api"});
  CHECK(target_values(parse("pm2 stop a -- b")) == V{"a", "b"});
  CHECK(target_values(parse("pm2 restart flyer-api -- flyer-worker")) == V{"flyer-api"});
  CHECK(target_values(parse("pm2 restart -- all")).empty());
  CHECK(target_values(parse("pm2 restart a b --")) == V{"a"});
  CHECK(target_values(parse("pm2 start app.js -- all")) == V{"app.js"});
}

TEST_CASE("pm2's own pre-processing", "[cli]") {
  CHECK(target_values(parse("pm2 stop log")) == V{"logs"});
  CHECK(parse("pm2 log").command == "logs");
  CHECK(target_values(parse("pm2 reload a all")) == V{"a"});
  Pm2Call kill = parse("pm2 kill extra-arg");
  CHECK(kill.outcome == Outcome::UsageError);
  CHECK(kill.extra_arguments);
  CHECK(parse("pm2 kill").runs());
}

TEST_CASE("target forms", "[cli]") {
  CHECK(classify_target("all") == TargetForm::All);
  CHECK(classify_target("/") == TargetForm::Regex);
  CHECK(classify_target("/srv/app/index.js") == TargetForm::Name);
  CHECK(classify_target("0,1") == TargetForm::Name);
  CHECK(classify_target("0x0") == TargetForm::Numeric);
  CHECK(classify_target("3") == TargetForm::Numeric);
  CHECK(classify_target("my.json.app") == TargetForm::ConfigFile);
  CHECK(classify_target("ecosystem.config.js") == TargetForm::ConfigFile);
  CHECK(classify_target("ecosystem.js") == TargetForm::Name);
  CHECK(classify_target("-") == TargetForm::Stdin);
  CHECK(parse("pm2 delete -").targets.at(0).form == TargetForm::Stdin);
  CHECK(parse("pm2 delete - x").targets.at(0).form == TargetForm::Name);
  CHECK(parse("pm2 reload -").targets.at(0).form == TargetForm::Name);
}

TEST_CASE("hidden destructive forms carry their targets", "[cli]") {
  Pm2Call start = parse("pm2 start all");
  REQUIRE(start.targets.size() == 1);
  CHECK(start.targets[0].role == TargetRole::Start);
  CHECK(start.targets[0].form == TargetForm::All);

  Pm2Call bare = parse("pm2 start");
  REQUIRE(bare.targets.size() == 1);
  CHECK(bare.targets[0].value == "ecosystem.config.js");
  CHECK(bare.targets[0].arg == -1);

  Pm2Call set = parse("pm2 set all:foo bar");
  REQUIRE(set.targets.size() == 1);
  CHECK(set.targets[0].role == TargetRole::ConfigKey);
  CHECK(set.targets[0].form == TargetForm::All);
  CHECK(parse("pm2 set all.foo bar").targets.at(0).form == TargetForm::All);
  CHECK(parse("pm2 set pm2:sysmonit true").targets.at(0).value == "pm2");
  CHECK(parse("pm2 set plainkey value").targets.empty());
  CHECK(parse("pm2 conf all:x y").targets.empty());  // conf only prints
  CHECK(parse("pm2 config all:x y").targets.at(0).form == TargetForm::All);
  CHECK(parse("pm2 config all:x").targets.empty());  // without a value it only reads
  CHECK(parse("pm2 multiset 'other:x 1'").targets.at(0).value == "other");

  Pm2Call sig = parse("pm2 sendSignal SIGCONT all");
  REQUIRE(sig.targets.size() == 1);
  CHECK(sig.targets[0].role == TargetRole::Signal);
  CHECK(sig.targets[0].form == TargetForm::All);
}

TEST_CASE("listings and destructive commands", "[cli]") {
  for (const char* l : {"pm2 jlist", "pm2 ls", "pm2 list", "pm2 status", "pm2 prettylist", "pm2 pid", "pm2 ps"})
    CHECK(is_process_listing(parse(l)));
  CHECK_FALSE(is_process_listing(parse("pm2 pid api")));
  CHECK_FALSE(is_process_listing(parse("pm2 describe api")));
  CHECK(is_destructive(parse("pm2 delete api")));
  CHECK(is_destructive(parse("pm2 kill")));
  CHECK(is_destructive(parse("pm2 reset all")));  // every process's counters, other teams' included
  CHECK_FALSE(is_destructive(parse("pm2 describe all")));
  CHECK_FALSE(is_destructive(parse("pm2 delete all -v")));
  CHECK(is_destructive(parse("pm2 $CMD api")));
}

TEST_CASE("default deny: only the safe list is known harmless", "[cli]") {
  for (const char* l : {"pm2 jlist", "pm2 ls", "pm2 describe api", "pm2 logs", "pm2 monit", "pm2 ping", "pm2 -v",
                        "pm2 -h", "pm2 prettylist", "pm2 report", "pm2 delete all --help", "pm2 stop",
                        "pm2 env 0", "pm2 get", "pm2 conf", "pm2 ecosystem", "pm2 id api"}) {
    INFO(l);
    CHECK(is_known_harmless(parse(l)));
  }
  for (const char* l : {"pm2 futurecmd all", "pm2 $CMD x", "pm2 install ./mod", "pm2 uninstall x", "pm2 resurrect",
                        "pm2 reset x", "pm2 trigger x a", "pm2 send 1 x", "pm2 flush", "pm2 flush ''",
                        "pm2 reloadLogs", "pm2 link a b", "pm2 unlink", "pm2 deploy prod", "pm2 startup",
                        "pm2 logrotate", "pm2 save", "pm2 cleardump", "pm2 multiset 'a 1'", "pm2 module:generate",
                        "pm2 serve", "pm2 attach 1", "pm2 inspect x", "pm2 unset a:b"}) {
    INFO(l);
    CHECK_FALSE(is_known_harmless(parse(l)));
  }
}

TEST_CASE("multiset: every key is a target, as Configuration.multiset pairs the words", "[cli]") {
  auto c = parse("pm2 multiset 'web:x 1 billing:y 2 \"quoted value\" all:z 3'");
  std::vector<std::string> apps;
  for (const Target& t : c.targets) apps.push_back(t.value);
  // Words: web:x 1 billing:y 2 "quoted value" all:z 3 -> keys web:x, billing:y, "quoted value"... paired.
  CHECK(apps == std::vector<std::string>{"web", "billing"});
  auto d = parse("pm2 multiset 'web:x 1 all:y 2'");
  REQUIRE(d.targets.size() == 2);
  CHECK(d.targets[1].form == TargetForm::All);
  CHECK(parse("pm2 multiset 'a:b'").targets.size() == 1);
}

TEST_CASE("the new target roles", "[cli]") {
  auto role = [](const char* l) { return parse(l).targets.at(0).role; };
  CHECK(role("pm2 reset api") == TargetRole::Reset);
  CHECK(role("pm2 trigger api km:heapdump") == TargetRole::Trigger);
  CHECK(role("pm2 inspect api") == TargetRole::Trigger);
  CHECK(role("pm2 send 3 hello") == TargetRole::Id);
  CHECK(role("pm2 attach 3") == TargetRole::Id);
  CHECK(role("pm2 flush api") == TargetRole::Logs);
  CHECK(role("pm2 install ./mod") == TargetRole::Module);
  CHECK(role("pm2 uninstall mod") == TargetRole::Module);
  CHECK(role("pm2 resurrect") == TargetRole::Dump);
  CHECK(role("pm2 serve ./dist 9000") == TargetRole::NewApp);
  CHECK(parse("pm2 serve ./dist 9000").targets.at(0).value == "static-page-server-9000");
  CHECK(parse("pm2 serve ./dist 9000 --name docs").targets.at(0).value == "docs");
  CHECK(parse("pm2 flush").targets.empty());
}

TEST_CASE("dynamic words", "[cli]") {
  Pm2Call c = parse("pm2 $CMD all");
  CHECK(c.dynamic_command);
  Pm2Call t = parse("pm2 delete $APP");
  REQUIRE(t.targets.size() == 1);
  CHECK(t.targets[0].form == TargetForm::Dynamic);
  // A dynamic word after an option that takes a value is that value.
  CHECK(parse("pm2 delete --name $X api").targets.size() == 1);
}

TEST_CASE("values that may be secrets are left out of what is shown", "[pm2_cli]") {
  struct Case {
    const char* line;
    const char* shown;
  };
  for (const Case& c : {
           Case{"pm2 set all:token s3cr3t", "pm2 set all:token <redacted>"},
           Case{"pm2 config web:db_password s3cr3t", "pm2 config web:db_password <redacted>"},
           Case{"pm2 multiset 'web:db_password s3cr3t'", "pm2 multiset 'web:db_password <redacted>'"},
           Case{"pm2 link s3cr3t-public s3cr3t-private", "pm2 link <redacted> <redacted>"},
           Case{"pm2 start app.js -- --api-key s3cr3t", "pm2 start app.js -- <redacted> <redacted>"},
           Case{"pm2 restart web -- s3cr3t", "pm2 restart web -- <redacted>"},
           Case{"pm2 delete web -- x", "pm2 delete web -- x"},
           Case{"pm2 set pm2:sysmonit true", "pm2 set pm2:sysmonit <redacted>"},
           Case{"pm2 multiset nospace", "pm2 multiset nospace"},
       }) {
    INFO(c.line);
    CHECK(display_safe(inv(c.line)) == c.shown);
  }
}

TEST_CASE("multiset words: quoted words stay whole, an unmatched quote is skipped", "[cli]") {
  using W = std::vector<std::string>;
  CHECK(pm2_multiset_words("web:x 1 api:namespace other") == W{"web:x", "1", "api:namespace", "other"});
  CHECK(pm2_multiset_words("a \"b c\" d") == W{"a", "\"b c\"", "d"});
  CHECK(pm2_multiset_words("a\"b c") == W{"a", "b", "c"});
}
