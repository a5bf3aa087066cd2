// document-as-code: a JSON ecosystem file or stdin document that pm2 would
// run as JavaScript.
#include <fmt/format.h>

#include "runtime_detail.h"

namespace pm2guard {

extern const Rule kDocumentAsCode;

namespace {

void check(const RuntimeFacts& f, std::vector<Finding>& out) {
  using namespace runtime_detail;
  for (const std::string& d : f.code_documents)
    out.push_back(finding(kDocumentAsCode, f,
                          fmt::format("{}: {}; pm2 evaluates `.json` files and stdin documents as JavaScript, so "
                                      "what it acts on could differ from what was judged: write plain data "
                                      "(comments and trailing commas are fine), or a `.config.js` file",
                                      command_of(f), d)));
}

}  // namespace

extern const Rule kDocumentAsCode = {
    "document-as-code",
    Severity::Error,
    {
        "a JSON document holds code that pm2 would evaluate",
        "pm2 reads a `.json` ecosystem file and a document piped into `pm2 <cmd> -` with "
        "`vm.runInThisContext('(' + text + ')')`. The shim accepts what is data in that reading — objects, "
        "arrays, strings, numbers, booleans, null, comments, trailing commas, unquoted keys — and refuses the "
        "rest: calls, `process`, `require`, operators, template literals with substitutions, functions.",
        "Code in a data file can compute different app names each time it runs, read the environment or the "
        "clock, or act on its own; the names the shim judged would not be the ones pm2 acts on.",
        "echo '{\"apps\":[{\"name\":process.env.APP,\"script\":\"a.js\"}]}' | pm2 start -",
        "echo '{\"apps\":[{\"name\":\"web-api\",\"script\":\"a.js\"}]}' | pm2 start -",
    },
    nullptr,
    RuleFront::Shim,
    check,
};

}  // namespace pm2guard
