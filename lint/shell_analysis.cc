#include "shell_analysis.h"

#include "shell/analyser.h"

namespace pm2guard::lint {

void analyse_script(const SourceFile& file, const ScriptUnit& unit, ShellSink& sink) {
  shell::Analyser a(file, sink);
  a.run(unit);
}

}  // namespace pm2guard::lint
