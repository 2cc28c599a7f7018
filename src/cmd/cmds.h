/* cmds: the subcommands' entry points and help texts; each lives in its own cmd_*.c and only
 * parses options and calls the modules. */
#ifndef SAOIDC_CMDS_H
#define SAOIDC_CMDS_H

#include <getopt.h>
#include <stdbool.h>

int cmd_jwks(int argc, char **argv);
int cmd_discovery(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_unpublish(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_rotate_plan(int argc, char **argv);
int cmd_s3_policy(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_thumbprint(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_trust_policy(int argc, char **argv);
int cmd_pod_patch(int argc, char **argv);
int cmd_webhook(int argc, char **argv);

extern const char cmd_jwks_help[];
extern const char cmd_discovery_help[];
extern const char cmd_render_help[];
extern const char cmd_inspect_help[];
extern const char cmd_serve_help[];
extern const char cmd_publish_help[];
extern const char cmd_unpublish_help[];
extern const char cmd_audit_help[];
extern const char cmd_status_help[];
extern const char cmd_migrate_help[];
extern const char cmd_keygen_help[];
extern const char cmd_rotate_plan_help[];
extern const char cmd_s3_policy_help[];
extern const char cmd_register_help[];
extern const char cmd_thumbprint_help[];
extern const char cmd_verify_help[];
extern const char cmd_token_help[];
extern const char cmd_trust_policy_help[];
extern const char cmd_pod_patch_help[];
extern const char cmd_webhook_help[];

/* Prints a verify report as a checklist or JSON; returns 0 if nothing failed, else 1 (cmd_verify.c). */
struct verify_report;
int cli_print_report(const struct verify_report *rep, bool json);

/* Each command's options, as it parses them (main.c's table; completions are made from them). */
extern const struct option cmd_audit_options[];
extern const struct option cmd_discovery_options[];
extern const struct option cmd_inspect_options[];
extern const struct option cmd_jwks_options[];
extern const struct option cmd_keygen_options[];
extern const struct option cmd_migrate_options[];
extern const struct option cmd_pod_patch_options[];
extern const struct option cmd_publish_options[];
extern const struct option cmd_register_options[];
extern const struct option cmd_render_options[];
extern const struct option cmd_rotate_plan_options[];
extern const struct option cmd_s3_policy_options[];
extern const struct option cmd_serve_options[];
extern const struct option cmd_status_options[];
extern const struct option cmd_thumbprint_options[];
extern const struct option cmd_token_decode_options[];
extern const struct option cmd_token_verify_options[];
extern const struct option cmd_trust_policy_options[];
extern const struct option cmd_unpublish_options[];
extern const struct option cmd_verify_options[];
extern const struct option cmd_webhook_options[];

#endif
