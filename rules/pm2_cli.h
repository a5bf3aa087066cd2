// pm2 7's command line, as its CLI (commander 2.15.1 plus pm2's own
// pre-processing) reads it: which command runs, with which arguments and
// options, and which of those arguments name processes.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "invocation.h"

namespace pm2guard {

/// What a command does to processes. Only `ReadOnly` commands are known to
/// be harmless: the shim runs them unjudged; everything else (a command this
/// table does not know included) is judged against the live process list.
enum class Impact {
  ReadOnly,      ///< touches no process and changes nothing other teams share (lists, logs, describe ...)
  Shared,        ///< changes what every team shares, with no process target (the dump, every log, module config)
  Targets,       ///< acts on the processes its targets resolve to (stop, restart, reset, trigger, install ...)
  DaemonWide,    ///< takes every process down (kill, update, unstartup ...)
  Channel,       ///< hands control of every process to something outside pm2's CLI (startup, link, plus)
};

struct CommandSpec {
  std::string_view name;
  std::string_view alias;  ///< commander alias ("" when none)
  Impact impact;
  std::string_view summary;
};

/// The pm2 command table (every command and alias of pm2 7.0.4's CLI).
const std::vector<CommandSpec>& pm2_commands();
const CommandSpec* find_pm2_command(std::string_view name_or_alias);

/// How pm2 resolves one target word.
enum class TargetRole {
  Operate,    ///< stop/restart/delete/reload: all, regex, name, script path, namespace, id, config file, '-'
  Start,      ///< start: restarts all/name/namespace/id matches, otherwise starts a script or config
  ConfigKey,  ///< set/multiset/config X:key -> restart(X) (hidden restart)
  Signal,     ///< sendSignal: all, name or id
  Scale,      ///< scale <app>: name or script path; scaling down deletes instances
  Reset,      ///< reset: all (modules included), name or script path (no namespace), raw id
  Trigger,    ///< trigger/inspect: all, id, or every process whose name, script basename or namespace matches
  Id,         ///< send/attach: one pm_id, looked up as written
  Logs,       ///< flush <api>: processes whose pm_id == api (loosely) or whose name is api
  Module,     ///< install/uninstall/module:update: the module's processes (names from its package.json)
  Dump,       ///< resurrect: the dump's entries that do not run now are started again
  NewApp,     ///< serve/expose: starts a new app (`static-page-server-<port>` or --name)
};

enum class TargetForm {
  All,
  Regex,
  ConfigFile,
  Stdin,
  Numeric,
  Name,
  Dynamic,
};

struct Target {
  TargetRole role = TargetRole::Operate;
  TargetForm form = TargetForm::Name;
  /// The value pm2 resolves (for ConfigKey targets, the part before ':'/'.').
  std::string value;
  /// Index of the word in Invocation::args it comes from, or -1 for an
  /// implicit target (`pm2 start` with no argument means ecosystem.config.js).
  int arg = -1;
  /// Dynamic targets: values it is known to take on some path (from
  /// Word::may_be; for ConfigKey targets, the app part of each).
  std::vector<std::string> may_be;
  /// Trigger targets: the action sent (`internal:inspect` for inspect).
  std::string action;
};

/// One value a target resolves, with its form: the target's own value when
/// it is known (`certain`), else each of its possible values.
struct TargetValue {
  std::string value;
  TargetForm form = TargetForm::Name;
  bool certain = true;
};
std::vector<TargetValue> target_values(const Target& t);

/// What running the command line does, before any process is touched.
enum class Outcome {
  Runs,            ///< the command's action runs
  PrintsHelp,      ///< -h/--help reached commander: prints help, exit 0
  PrintsVersion,   ///< -v/-V/--version: prints the version, exit 0
  UsageError,      ///< unknown option, missing argument ...: exit 1 before acting
  UnknownCommand,  ///< "Command not found", exit 1
  NoCommand,       ///< `pm2` alone or only options: usage, no action
};

struct Pm2Call {
  Outcome outcome = Outcome::NoCommand;
  std::string usage_error;  ///< for UsageError
  const CommandSpec* spec = nullptr;
  std::string command;      ///< canonical command name (aliases resolved)
  int command_arg = -1;     ///< index in args of the subcommand word
  /// The command's arguments after commander's parse, as indexes into args.
  std::vector<int> positionals;
  std::vector<Target> targets;
  /// Options seen (long name without dashes -> value; "" for a flag). For
  /// repeated options the last value wins, as in commander.
  std::map<std::string, std::string> options;
  /// Words whose value is unknown and that could change the parse (a
  /// dynamic subcommand, a dynamic word where an option value may sit ...).
  bool dynamic_command = false;
  /// Commands wrapped in pm2's failOnUnknown get extra positional arguments:
  /// pm2 7 refuses to run them, other versions may not.
  bool extra_arguments = false;

  bool runs() const { return outcome == Outcome::Runs; }
  bool has_option(const std::string& name) const { return options.count(name) != 0; }
};

/// Parses an invocation's arguments exactly as pm2 7.0.4 does. Dynamic words
/// are read through their known prefix; a word with no known prefix counts
/// as a positional argument.
Pm2Call parse_pm2_call(const Invocation& inv);

/// Classifies one target value as pm2's resolver would (`all`, regex, config
/// file, '-', numeric, name).
TargetForm classify_target(std::string_view value);

/// The words of a `multiset` document as Configuration.multiset splits it
/// (`serial.match(/(?:[^ "]+|"[^"]*")+/g)`), keys and values alternating.
std::vector<std::string> pm2_multiset_words(const std::string& serial);

/// Whether pm2 reads a target as a config file: a substring test for
/// .json, .yml, .yaml, .config.js, .config.cjs or .config.mjs.
bool pm2_is_config_file(std::string_view value);

/// `pm2 jlist`, `ls`, `status` ...: commands that print every process.
/// `pid` and `id` count when they are not narrowed to one name.
bool is_process_listing(const Pm2Call& call);

/// Whether the call, as parsed, can stop, restart or delete processes.
bool is_destructive(const Pm2Call& call);

/// The shim's safe list: the call touches no process and changes nothing
/// other teams share (a ReadOnly command, or a command line pm2 7 rejects or
/// answers with help or its version before acting). Everything else, a
/// command this table does not know included, is judged.
bool is_known_harmless(const Pm2Call& call);

/// A word of the command line that may hold a secret: the values of `set`
/// and `config` (their key stays), `link` keys, the value part of a
/// `multiset "key value"` word, and a started script's own arguments after
/// `--`. `keep` leading characters of the word are shown (a multiset key).
struct SecretWord {
  int arg = 0;      ///< index into Invocation::args
  size_t keep = 0;  ///< characters of the word that are not secret
};
std::vector<SecretWord> secret_words(const Invocation& inv, const Pm2Call& call);

/// What stands in a message or an audit record for a secret.
inline constexpr std::string_view kRedacted = "<redacted>";

/// The command line as a user would write it (Invocation::display()) with
/// every secret_words() value replaced by kRedacted: what messages, the
/// audit trail and the system log show.
std::string display_safe(const Invocation& inv);

}  // namespace pm2guard
