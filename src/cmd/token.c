#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "util/clock.h"
#include "net/fetch.h"
#include "util/fsio.h"
#include "jose/jwt.h"
#include "issuer/verify.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_token_help[] =
    "Usage: saoidc token decode FILE\n"
    "       saoidc token verify --jwks FILE|URL --token FILE [--issuer URL] [--audience AUD] [--json]\n"
    "\n"
    "decode  print a token's header and claims, NOT verified, with its times in UTC\n"
    "verify  verify a token offline against a JWKS (a file, or an https URL): kid, signature\n"
    "        (RS/ES/PS 256/384/512; \"none\" and HMAC are refused), iss, aud, exp, sub\n"
    "\n"
    "  -j, --jwks FILE|URL      the JWKS\n"
    "  -t, --token FILE         the token (- for stdin)\n"
    "  -i, --issuer URL         the issuer the token's iss must equal\n"
    "  -a, --audience AUD       the audience (default sts.amazonaws.com)\n"
    "      --ca-file FILE       for an https JWKS URL: trust these CAs\n"
    "      --json               print the report as JSON\n"
    "  -h, --help               show this help\n";

static int read_token(const char *path, unsigned char **buf, size_t *len, sao_err *err)
{
	if (!fs_read_file(path, 64 * 1024, buf, len, err)) {
		err_prefix(err, "%s: ", path);
		return false;
	}
	return true;
}

static void print_times(const json_t *claims)
{
	static const char *const names[] = {"iat", "nbf", "exp"};

	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(claims, names[i]);
		time_t t;
		char buf[48];

		if (!json_is_integer(v))
			continue;
		t = (time_t)json_integer_value(v);
		clock_utc(t, buf);
		printf("%s: %s%s\n", names[i], buf,
		       strcmp(names[i], "exp") == 0 && t <= time(NULL) ? " (expired)" : "");
	}
}

const struct option cmd_token_decode_options[] = {CLI_OPT_HELP, CLI_OPT_END};

static int token_decode(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	unsigned char *buf = NULL;
	size_t len = 0;
	jwt *t = NULL;
	char *h = NULL, *c = NULL;
	int rc = cli_parse("token", cmd_token_help, argc, argv, cmd_token_decode_options, &o, NULL, NULL, 1, 0);

	if (rc >= 0)
		goto out;
	if (!read_token(argv[o.argi], &buf, &len, &err) || (t = jwt_decode((char *)buf, len, &err)) == NULL) {
		if (t == NULL && buf != NULL)
			err_prefix(&err, "%s: ", argv[o.argi]);
		rc = cli_fail(&err);
		goto out;
	}
	h = docs_dump(jwt_header(t), true);
	c = docs_dump(jwt_claims(t), true);
	printf("NOT VERIFIED: decoded only; use `saoidc token verify` or `saoidc verify --token` to check it.\n");
	printf("header:\n%s\nclaims:\n%s\n", h != NULL ? h : "", c != NULL ? c : "");
	print_times(jwt_claims(t));
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
out:
	free(h);
	free(c);
	jwt_free(t);
	if (buf != NULL)
		OPENSSL_clear_free(buf, len + 1);
	cli_opts_free(&o);
	return rc;
}

typedef struct tv_opts {
	const char *jwks, *token, *audience;
	tls_opts tls;
} tv_opts;

static bool tv_opt(void *ctx, int c, const char *arg, int *code)
{
	tv_opts *v = ctx;

	(void)code;
	if (c == 'j')
		v->jwks = arg;
	else if (c == 't')
		v->token = arg;
	else if (c == 'a')
		v->audience = arg;
	else
		return cli_tls_opt(&v->tls, c, arg);
	return true;
}

const struct option cmd_token_verify_options[] = {{"jwks", required_argument, NULL, 'j'},
						  {"token", required_argument, NULL, 't'},
						  {"audience", required_argument, NULL, 'a'},
						  CLI_OPT_ISSUER,
						  CLI_OPT_CA_FILE,
						  CLI_OPT_JSON,
						  CLI_OPT_HELP,
						  CLI_OPT_END};

static int token_verify(int argc, char **argv)
{
	tv_opts v = {.audience = "sts.amazonaws.com"};
	cli_opts o = {0};
	sao_err err = {""};
	unsigned char *tok = NULL, *jbuf = NULL;
	size_t tlen = 0, jlen = 0;
	fetch_result fr = {0};
	json_t *jwks = NULL;
	json_error_t je;
	verify_report rep = {0};
	int rc = cli_parse("token", cmd_token_help, argc, argv, cmd_token_verify_options, &o, tv_opt, &v, 0, 0);

	if (rc >= 0)
		goto out;
	if (v.jwks == NULL || v.token == NULL) {
		rc = cli_usage_error("token", "verify needs --jwks and --token");
		goto out;
	}
	if (!read_token(v.token, &tok, &tlen, &err))
		goto fail;
	if (strncmp(v.jwks, "https://", 8) == 0 || strncmp(v.jwks, "http://", 7) == 0) {
		if (!fetch_get(v.jwks, &v.tls, 5000, &fr, &err))
			goto fail;
		if (fr.status != 200) {
			err_set(&err, "GET %s answered HTTP %ld", v.jwks, fr.status);
			goto fail;
		}
		jwks = json_loadb(fr.body != NULL ? fr.body : "", fr.len, 0, &je);
	} else {
		if (!fs_read_file(v.jwks, FS_READ_MAX, &jbuf, &jlen, &err)) {
			err_prefix(&err, "%s: ", v.jwks);
			goto fail;
		}
		jwks = json_loadb((char *)jbuf, jlen, 0, &je);
	}
	if (!json_is_array(json_object_get(jwks, "keys"))) {
		err_set(&err, "%s: not a JWKS (a JSON object with a \"keys\" array)", v.jwks);
		goto fail;
	}
	verify_token(&rep, (char *)tok, tlen, jwks, o.docs.issuer, v.audience, time(NULL));
	rc = cli_print_report(&rep, o.json);
	goto out;
fail:
	rc = cli_fail(&err);
out:
	verify_report_clear(&rep);
	json_decref(jwks);
	fetch_result_clear(&fr);
	free(jbuf);
	if (tok != NULL)
		OPENSSL_clear_free(tok, tlen + 1);
	cli_opts_free(&o);
	return rc;
}

int cmd_token(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "decode") == 0)
		return token_decode(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return token_verify(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return cli_print_help(cmd_token_help);
	return cli_usage_error("token", "expected 'decode FILE' or 'verify --jwks ... --token ...'");
}
