/* cli: what the subcommands share: option parsing for keys and issuer settings, loading the
 * key set, and the one place errors and usage mistakes are printed (exit codes 0/1/2). */
#ifndef SAOIDC_CLI_H
#define SAOIDC_CLI_H

#include "issuer/register.h"
#include "issuer/source.h"
#include "jose/docs.h"
#include "jose/retain.h"
#include "util/err.h"
#include "jose/keys.h"
#include "kube/kube.h"
#include "net/tls.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#define EXIT_USAGE 2

/* Long-only option ids shared by the subcommands. */
enum {
	OPT_JWKS_PATH = 0x100,
	OPT_JWKS_URI,
	OPT_LEGACY_EMPTY_KID,
	OPT_PRETTY,
	OPT_JSON,
	OPT_CONNECT_TO,
	OPT_CA_FILE,
	OPT_INSECURE,
	OPT_KUBE_API,
	OPT_KUBE_TOKEN,
	OPT_KUBE_CA,
	OPT_KUBECONFIG,
	OPT_KUBE_CONTEXT,
	OPT_FROM_APISERVER,
	OPT_AWS_REGION,
	OPT_FIPS,
	OPT_DISC_STYLE,
	OPT_ALLOW_CERT,
	OPT_ALLOW_UNKNOWN_REGION,
	OPT_REVOKE,
	OPT_CLUSTER,
	OPT_RETIRE_CLUSTER,
	OPT_CMD_BASE = 0x200 /* commands number their own options from here */
};

/* --key, with the --kube-* options kube:// keys may need */
#define CLI_OPT_KEY                                                                                                    \
	{"key", required_argument, NULL, 'k'}, {"allow-certificate", no_argument, NULL, OPT_ALLOW_CERT}, CLI_OPT_KUBE
/* --revoke KID (repeatable): withdraw a published key now and for good (render, publish) */
#define CLI_OPT_REVOKE                                                                                                 \
	{                                                                                                              \
		"revoke", required_argument, NULL, OPT_REVOKE                                                          \
	}
/* --cluster NAME, --retire-cluster NAME: one issuer shared by several clusters (render, publish) */
#define CLI_OPT_FLEET                                                                                                  \
	{"cluster", required_argument, NULL, OPT_CLUSTER},                                                             \
	{                                                                                                              \
		"retire-cluster", required_argument, NULL, OPT_RETIRE_CLUSTER                                          \
	}
#define CLI_OPT_ISSUER                                                                                                 \
	{                                                                                                              \
		"issuer", required_argument, NULL, 'i'                                                                 \
	}
#define CLI_OPT_JWKS_PATH                                                                                              \
	{                                                                                                              \
		"jwks-path", required_argument, NULL, OPT_JWKS_PATH                                                    \
	}
#define CLI_OPT_JWKS_URI                                                                                               \
	{                                                                                                              \
		"jwks-uri", required_argument, NULL, OPT_JWKS_URI                                                      \
	}
#define CLI_OPT_LEGACY                                                                                                 \
	{                                                                                                              \
		"legacy-empty-kid", no_argument, NULL, OPT_LEGACY_EMPTY_KID                                            \
	}
#define CLI_OPT_PRETTY                                                                                                 \
	{                                                                                                              \
		"pretty", no_argument, NULL, OPT_PRETTY                                                                \
	}
#define CLI_OPT_JSON                                                                                                   \
	{                                                                                                              \
		"json", no_argument, NULL, OPT_JSON                                                                    \
	}
#define CLI_OPT_CONNECT_TO                                                                                             \
	{                                                                                                              \
		"connect-to", required_argument, NULL, OPT_CONNECT_TO                                                  \
	}
#define CLI_OPT_CA_FILE                                                                                                \
	{                                                                                                              \
		"ca-file", required_argument, NULL, OPT_CA_FILE                                                        \
	}
#define CLI_OPT_INSECURE                                                                                               \
	{                                                                                                              \
		"insecure", no_argument, NULL, OPT_INSECURE                                                            \
	}
/* --kube-api, --kube-token-file, --kube-ca: for --key kube://NAMESPACE/SECRET outside a pod */
/* The help lines every command that reads keys ends with: where keys may come from. */
#define CLI_HELP_KEY_SOURCES                                                                                           \
	"\nKey sources (--key, repeatable): a PEM or DER key or certificate (public or private: only the\n"            \
	"public half is used), a directory of them, a Kubernetes Secret or List in JSON or YAML\n"                     \
	"(kubectl get secret -o json|yaml; EKS Anywhere's <cluster>-sa), - for stdin, or\n"                            \
	"kube://NAMESPACE/SECRET read through the Kubernetes API: in a pod as its service account, else\n"             \
	"as kubectl would (KUBECONFIG or ~/.kube/config, --kubeconfig FILE, --context NAME), or\n"                     \
	"--kube-api URL with --kube-token-file FILE and --kube-ca FILE.\n"                                             \
	"A certificate is refused (the whole input fails, naming it): a service-account key is a plain\n"              \
	"key pair, and a cluster CA or serving certificate published by mistake lets whoever holds its\n"              \
	"key mint tokens STS accepts. --allow-certificate takes a certificate's public key, for a cluster\n"           \
	"whose --service-account-key-file is a certificate.\n"

#define CLI_OPT_KUBE                                                                                                   \
	{"kube-api", required_argument, NULL, OPT_KUBE_API},                                                           \
	    {"kube-token-file", required_argument, NULL, OPT_KUBE_TOKEN},                                              \
	    {"kube-ca", required_argument, NULL, OPT_KUBE_CA},                                                         \
	    {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},                                                   \
	{                                                                                                              \
		"context", required_argument, NULL, OPT_KUBE_CONTEXT                                                   \
	}
#define CLI_OPT_FROM_APISERVER                                                                                         \
	{                                                                                                              \
		"from-apiserver", no_argument, NULL, OPT_FROM_APISERVER                                                \
	}
/* --region and --fips: where AWS calls go (see aws_where) */
/* --region (and --allow-unknown-region for one newer than this saoidc) */
#define CLI_OPT_REGION                                                                                                 \
	{"region", required_argument, NULL, OPT_AWS_REGION},                                                           \
	{                                                                                                              \
		"allow-unknown-region", no_argument, NULL, OPT_ALLOW_UNKNOWN_REGION                                    \
	}
#define CLI_OPT_AWS                                                                                                    \
	CLI_OPT_REGION,                                                                                                \
	{                                                                                                              \
		"fips", no_argument, NULL, OPT_FIPS                                                                    \
	}
/* --discovery-style kube|eks: kube-apiserver's five-member discovery document, or EKS's seven */
#define CLI_OPT_DISC_STYLE                                                                                             \
	{                                                                                                              \
		"discovery-style", required_argument, NULL, OPT_DISC_STYLE                                             \
	}
/* The options of every command that builds the document pair (render, serve, publish): the
 * issuer, its keys, the JWKS path, the legacy kid, the discovery style. */
#define CLI_OPTS_DOCS                                                                                                  \
	CLI_OPT_ISSUER, CLI_OPT_KEY, CLI_OPT_FROM_APISERVER, CLI_OPT_JWKS_PATH, CLI_OPT_LEGACY, CLI_OPT_DISC_STYLE
#define CLI_OPT_HELP                                                                                                   \
	{                                                                                                              \
		"help", no_argument, NULL, 'h'                                                                         \
	}
#define CLI_OPT_END                                                                                                    \
	{                                                                                                              \
		NULL, 0, NULL, 0                                                                                       \
	}

typedef struct cli_opts {
	const char **keys;
	size_t nkeys;
	kube_api kube;
	bool from_apiserver; /* documents from the API server instead of --key */
	docs_cfg docs;
	bool pretty;
	bool json;
	const char *region;	   /* --region */
	bool fips;		   /* --fips */
	bool allow_certificate;	   /* --allow-certificate */
	bool allow_unknown_region; /* --allow-unknown-region */
	strlist revoke;		   /* --revoke KID, for the commands that take it */
	const char *cluster;	   /* --cluster NAME or --retire-cluster NAME */
	bool retire_cluster;	   /* --retire-cluster: no source; every key of `cluster` retires */
	int argi;		   /* first positional argument */
	const char *positional;	   /* what the positional argument is, for the usage error ("s3://BUCKET[/PREFIX]") */
	bool oom;		   /* an option could not be kept: cli_parse fails with exit 1 */
} cli_opts;

/* Handles --connect-to, --ca-file and --insecure. Returns true if `c` was one. */
bool cli_tls_opt(tls_opts *t, int c, const char *arg);

/* Handles an option every document command shares. Returns true if `c` was one. */
bool cli_common_opt(cli_opts *o, int c, const char *arg);
void cli_opts_free(cli_opts *o);

/* A command's own options: returns false if `c` is not one of them (a usage error),
 * or sets *code to end the command early with that exit code. */
typedef bool (*cli_extra_fn)(void *ctx, int c, const char *arg, int *code);

/* Parses a subcommand's arguments: --help (prints `help`), the shared options, then `extra`; exactly
 * `positionals` positional arguments must follow, left at argv[o->argi]. `need` is a mask of
 * CLI_NEED_* options that must be given. Returns -1 to go on, or the exit code. */
enum { CLI_NEED_KEY = 1, CLI_NEED_ISSUER = 2 };
int cli_parse(const char *cmd, const char *help, int argc, char **argv, const struct option *lo, cli_opts *o,
	      cli_extra_fn extra, void *ctx, int positionals, unsigned need);

/* Option `opt` of `cmd` as a whole number from min to max (digits only; `unit`, "seconds", names
 * what it counts in the message, or NULL). False, with *code the usage error, otherwise. */
bool cli_uint(const char *cmd, const char *opt, const char *unit, const char *arg, unsigned long min, unsigned long max,
	      unsigned *out, int *code);

/* The key source the options name (--key, --from-apiserver, --kube-*, the documents' options),
 * for issuer/source; it points into `o`. The three below are issuer/source's on it. */
src_cfg cli_source(const cli_opts *o);
key_set *cli_load_keys(const cli_opts *o, sao_err *err);
bool cli_render_docs(const cli_opts *o, const key_set *keys, docs *d, sao_err *err);
bool cli_build_docs(const cli_opts *o, docs *d, size_t *nkeys, sao_err *err);

/* Prints "saoidc CMD: message" and the help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the error once; returns EXIT_FAILURE. */
int cli_fail(const sao_err *err);
/* Prints a command's help text; returns EXIT_SUCCESS. */
int cli_print_help(const char *help);

/* The warning --retain 0 deserves. */
void cli_warn_no_retention(void);

/* Writes a string and a newline to stdout and flushes; false if stdout failed. */
bool cli_print(const char *s, sao_err *err);
/* Flushes stdout; false (with the reason) if anything written to it was lost. */
bool cli_flush(sao_err *err);

/* The options `register` shares with `publish --register`. */
enum { OPT_CLIENT_ID = 0x180, OPT_THUMBPRINT, OPT_TAG, OPT_REG_DRY_RUN, OPT_PRUNE };

/* The options register shares with publish --register ... */
#define REG_OPTS_CORE                                                                                                  \
	{"client-id", required_argument, NULL, OPT_CLIENT_ID},                                                         \
	    {"thumbprint", required_argument, NULL, OPT_THUMBPRINT}, {"tag", required_argument, NULL, OPT_TAG},        \
	{                                                                                                              \
		"prune", no_argument, NULL, OPT_PRUNE                                                                  \
	}
/* ... and register's own --dry-run (publish has one already). */
#define REG_OPTS                                                                                                       \
	REG_OPTS_CORE,                                                                                                 \
	{                                                                                                              \
		"dry-run", no_argument, NULL, OPT_REG_DRY_RUN                                                          \
	}

/* A cli_extra_fn for REG_OPTS and the TLS options; ctx is a reg_opts (in cmd/register.c, which
 * owns those options; publish --register uses it too). */
bool cli_reg_opt(void *ctx, int c, const char *arg, int *code);

#endif
