#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "jose/keygen.h"
#include "util/b64.h"
#include "util/fsio.h"
#include "util/log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cmd_keygen_help[] =
    "Usage: saoidc keygen --out PATH [--type TYPE] [--format pem|secret --name NAME [--namespace NS]]\n"
    "\n"
    "Make a new service-account signing key pair and print its kid (the key ID tokens will carry).\n"
    "  pem     PATH.key (the private key, PKCS#8, mode 0600) and PATH.pub (the public key): the\n"
    "          API server's --service-account-signing-key-file and --service-account-key-file\n"
    "  secret  PATH: a Kubernetes Secret manifest (mode 0600) shaped like EKS Anywhere's\n"
    "          <cluster>-sa: tls.crt = the public key PEM, tls.key = the private key PEM\n"
    "Existing files are never overwritten. The private key goes only into the file.\n"
    "\n"
    "  -o, --out PATH         where to write (required)\n"
    "  -t, --type TYPE        " KEYGEN_TYPES " (default rsa-2048)\n"
    "      --format pem|secret  (default pem)\n"
    "      --name NAME        the Secret's name (--format secret), e.g. mycluster-sa\n"
    "      --namespace NS     the Secret's namespace (default eksa-system)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Then: publish the new public key next to the old one (saoidc publish --key old.pub --key\n"
    "new.pub ...), and only then switch the API server's signing key; see doc/guide-key-rotation.md.\n";

enum { OPT_FORMAT = OPT_CMD_BASE, OPT_NAME, OPT_NS };

typedef struct kg_opts {
	const char *out, *type, *format, *name, *ns;
} kg_opts;

static bool kg_opt(void *ctx, int c, const char *arg, int *code)
{
	kg_opts *k = ctx;

	(void)code;
	switch (c) {
	case 'o':
		k->out = arg;
		return true;
	case 't':
		k->type = arg;
		return true;
	case OPT_FORMAT:
		k->format = arg;
		return true;
	case OPT_NAME:
		k->name = arg;
		return true;
	case OPT_NS:
		k->ns = arg;
		return true;
	default:
		return false;
	}
}

/* A DNS-1123 subdomain, as Kubernetes wants object names and namespaces. */
static bool dns1123(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

static char *secret_manifest(const kg_opts *k, const keygen_pair *p)
{
	char *crt = b64_std_encode((const unsigned char *)p->public_pem, p->public_len);
	char *key = b64_std_encode((const unsigned char *)p->private_pem, p->private_len);
	char *out = NULL;

	if (crt != NULL && key != NULL &&
	    asprintf(&out,
		     "# saoidc keygen: a service-account signing key pair (kid %s), shaped like EKS Anywhere's\n"
		     "# <cluster>-sa Secret. It holds a PRIVATE KEY: keep this file out of version control.\n"
		     "apiVersion: v1\n"
		     "kind: Secret\n"
		     "metadata:\n"
		     "  name: %s\n"
		     "  namespace: %s\n"
		     "type: Opaque\n"
		     "data:\n"
		     "  tls.crt: %s\n"
		     "  tls.key: %s\n",
		     p->kid, k->name, k->ns, crt, key) < 0)
		out = NULL;
	free(crt);
	if (key != NULL)
		OPENSSL_clear_free(key, strlen(key));
	return out;
}

const struct option cmd_keygen_options[] = {{"out", required_argument, NULL, 'o'},
					    {"type", required_argument, NULL, 't'},
					    {"format", required_argument, NULL, OPT_FORMAT},
					    {"name", required_argument, NULL, OPT_NAME},
					    {"namespace", required_argument, NULL, OPT_NS},
					    CLI_OPT_HELP,
					    CLI_OPT_END};

int cmd_keygen(int argc, char **argv)
{
	kg_opts k = {.type = "rsa-2048", .format = "pem", .ns = "eksa-system"};
	cli_opts o = {0};
	sao_err err = {""};
	keygen_pair p = {0};
	char *keyp = NULL, *pubp = NULL, *manifest = NULL;
	int rc = cli_parse("keygen", cmd_keygen_help, argc, argv, cmd_keygen_options, &o, kg_opt, &k, 0, 0);
	bool secret;

	if (rc >= 0)
		goto out;
	secret = strcmp(k.format, "secret") == 0;
	if (k.out != NULL && strcmp(k.out, "-") == 0) {
		rc =
		    cli_usage_error("keygen", "--out takes a path: the private key is never written to standard output "
					      "(--out - would make a file named -.key)");
		goto out;
	}
	if (k.out == NULL || k.out[0] == '\0') {
		rc = cli_usage_error("keygen",
				     "--out PATH is required (the private key goes into a file, never to stdout)");
		goto out;
	}
	if (!secret && strcmp(k.format, "pem") != 0) {
		rc = cli_usage_error("keygen", "--format takes pem or secret, not '%s'", k.format);
		goto out;
	}
	if (secret && (k.name == NULL || !dns1123(k.name) || !dns1123(k.ns))) {
		rc = cli_usage_error("keygen", "--format secret needs --name, and a name and namespace in lower-case "
					       "letters, digits, '-' and '.' (e.g. --name mycluster-sa)");
		goto out;
	}
	if (!keygen_new(k.type, &p, &err))
		goto fail;
	if (secret) {
		if ((manifest = secret_manifest(&k, &p)) == NULL) {
			err_set(&err, "out of memory");
			goto fail;
		}
		if (!fs_write_new(k.out, manifest, strlen(manifest), 0600, &err))
			goto fail;
		log_info("wrote %s (mode 0600): Secret %s/%s with tls.crt (public) and tls.key (private)", k.out, k.ns,
			 k.name);
	} else {
		if (asprintf(&keyp, "%s.key", k.out) < 0 || asprintf(&pubp, "%s.pub", k.out) < 0) {
			err_set(&err, "out of memory");
			goto fail;
		}
		if (!fs_write_new(keyp, p.private_pem, p.private_len, 0600, &err))
			goto fail;
		if (!fs_write_new(pubp, p.public_pem, p.public_len, 0644, &err)) {
			unlink(keyp); /* all or nothing */
			goto fail;
		}
		log_info("wrote %s (private, mode 0600) and %s (public)", keyp, pubp);
	}
	rc = cli_print(p.kid, &err) ? EXIT_SUCCESS : cli_fail(&err);
	goto out;
fail:
	rc = cli_fail(&err);
out:
	keygen_pair_clear(&p);
	if (manifest != NULL)
		OPENSSL_clear_free(manifest, strlen(manifest));
	free(keyp);
	free(pubp);
	cli_opts_free(&o);
	return rc;
}
