// policy-invalid: a fault, not a check. The shim records this id when a
// policy it must obey cannot be used; the doc feeds `explain` and the README.
#include "rule.h"

namespace pm2guard {

extern const Rule kPolicyInvalid = {
    "policy-invalid",
    Severity::Error,
    {
        "a policy file the shim must obey is invalid or untrusted",
        "The shim refuses every destructive command (exit 78) while the system policy or the one named by "
        "PM2GUARD_POLICY holds invalid YAML, an unknown key, a wrong type, or (the system one) is not owned by "
        "root or is writable by others. Read-only commands still pass. The refusal is audited.",
        "A typo must not switch a safeguard off, and a policy anyone can edit is no policy: the shim fails closed "
        "rather than guess.",
        "echo 'refuse_al: false' > /etc/pm2guard/policy.yml",
        "echo 'refuse_all: true' > /etc/pm2guard/policy.yml && pm2guard shim doctor",
    },
    nullptr,
    RuleFront::Shim,
    nullptr,
};

}  // namespace pm2guard
