/* Unit tests for src/aws/sigv4.c: AWS's published get-vanilla example, what the signer adds
 * (the date, S3's payload hash, the session token) and URI encoding; then, where
 * ../shared/peer-data is present (optional: skipped without it), every case of AWS's SigV4 test
 * suite and the botocore-signed saoidc-shaped requests beside it, each Authorization compared
 * byte for byte. Cases that need what saoidc never sends (path segments to normalise, a header
 * repeated or folded over lines) are listed as skipped, not silently dropped. */
#include "config.h"

#include "aws/sigv4.h"
#include "../tap.h"
#include "util/fsio.h"

#include <dirent.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *header(sigv4_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

static time_t amz_time(const char *d) /* 20150830T123600Z */
{
	struct tm tm = {0};

	if (sscanf(d, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6)
		return (time_t)-1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static void builtin(void)
{
	aws_creds c = {0};
	sigv4_header *h = NULL;
	size_t n = 0;
	sao_err err = {0};
	sigv4_req r = {.method = "GET",
		       .host = "example.amazonaws.com",
		       .path = "/",
		       .query = "",
		       .region = "us-east-1",
		       .service = "service",
		       .now = amz_time("20150830T123600Z")};
	char *e;

	aws_creds_set(&c, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL, "test", &err);
	ok(sigv4_sign(&r, &c, &h, &n, &err), "get-vanilla signs (%s)", err.msg);
	is_str(
	    header(h, n, "Authorization"),
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	    "get-vanilla: the signature AWS's documentation gives");
	is_str(header(h, n, "X-Amz-Date"), "20150830T123600Z", "  X-Amz-Date from the request's time");
	ok(header(h, n, "X-Amz-Content-Sha256") == NULL, "  no payload hash header outside S3");
	sigv4_headers_free(h, n);
	aws_creds_clear(&c);

	h = NULL, n = 0;
	aws_creds_set(&c, "ASIAEXAMPLE", "secret", "the-session-token", "test", &err);
	r.service = "s3";
	r.host = "b.s3.us-east-1.amazonaws.com";
	ok(sigv4_sign(&r, &c, &h, &n, &err), "an S3 request with a session token signs");
	is_str(header(h, n, "X-Amz-Content-Sha256"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "  S3: the empty body's SHA-256 in X-Amz-Content-Sha256");
	is_str(header(h, n, "X-Amz-Security-Token"), "the-session-token", "  the session token is sent");
	ok(header(h, n, "Authorization") != NULL &&
	       strstr(header(h, n, "Authorization"),
		      "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") != NULL,
	   "  and the hash and the token are signed");
	ok(strstr(header(h, n, "Authorization"), "secret") == NULL, "  the secret is not in any header");
	sigv4_headers_free(h, n);
	aws_creds_clear(&c);

	is_str(e = sigv4_uri_encode("a b/c~d+e=f%é", true), "a%20b/c~d%2Be%3Df%25%C3%A9",
	       "URI encoding: space, plus, equals, percent and UTF-8 encoded; tilde and slash kept");
	free(e);
	is_str(e = sigv4_uri_encode("a/b", false), "a%2Fb", "  a slash encoded where it must be");
	free(e);
}

/* ---- the suite's files --------------------------------------------------------------------- */

typedef struct kase {
	char method[16], path[512], query[512], host[256];
	sigv4_header *h;
	size_t n;
	char *body;
	char akid[64], secret[128], region[32], service[32], date[32], token[1024];
	const char *skip;
} kase;

static int qcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* key=value pairs, each side encoded, sorted: the canonical query string. */
static void canonical_query(const char *raw, char *out, size_t cap)
{
	char *copy = strdup(raw), *save = NULL, *parts[64];
	size_t np = 0;

	out[0] = '\0';
	for (char *p = strtok_r(copy, "&", &save); p != NULL && np < 64; p = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(p, '='), *k, *v;

		if (eq != NULL)
			*eq = '\0';
		k = sigv4_uri_encode(p, false);
		v = sigv4_uri_encode(eq != NULL ? eq + 1 : "", false);
		parts[np] = malloc(strlen(k) + strlen(v) + 2);
		sprintf(parts[np++], "%s=%s", k, v);
		free(k);
		free(v);
	}
	qsort(parts, np, sizeof(*parts), qcmp);
	for (size_t i = 0; i < np; i++) {
		if (i > 0)
			strncat(out, "&", cap - strlen(out) - 1);
		strncat(out, parts[i], cap - strlen(out) - 1);
		free(parts[i]);
	}
	free(copy);
}

static void read_ctx(kase *k, const char *text)
{
	char line[512];

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *eq;

		snprintf(line, sizeof(line), "%.*s", (int)(strchr(p, '\n') ? strchr(p, '\n') - p : (long)strlen(p)), p);
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq++ = '\0';
#define SET(f)                                                                                                         \
	if (strcmp(line, #f) == 0)                                                                                     \
	snprintf(k->f, sizeof(k->f), "%s", eq)
		SET(akid);
		SET(secret);
		SET(region);
		SET(service);
		SET(date);
		SET(token);
#undef SET
	}
}

/* Parses NAME.req (request line, headers, blank line, body). */
static bool read_req(kase *k, char *text)
{
	char *line = text, *nl, target[1024];

	if ((nl = strchr(line, '\n')) == NULL)
		return false;
	*nl = '\0';
	if (sscanf(line, "%15s %1023[^\n]", k->method, target) != 2 || strstr(target, " HTTP/1.1") == NULL)
		return false;
	*strstr(target, " HTTP/1.1") = '\0';
	snprintf(k->query, sizeof(k->query), "%s", strchr(target, '?') ? strchr(target, '?') + 1 : "");
	if (strchr(target, '?'))
		*strchr(target, '?') = '\0';
	if (strstr(target, "/./") || strstr(target, "/../") || strstr(target, "//") ||
	    (strlen(target) >= 2 && strcmp(target + strlen(target) - 2, "/.") == 0) ||
	    (strlen(target) >= 3 && strcmp(target + strlen(target) - 3, "/..") == 0))
		k->skip = "a path to normalise (saoidc sends S3 keys and '/', as they are)";
	snprintf(k->path, sizeof(k->path), "%s", target);
	for (line = nl + 1; (nl = strchr(line, '\n')) != NULL || *line; line = nl + 1) {
		char *colon;

		if (nl != NULL)
			*nl = '\0';
		if (*line == '\0')
			break;
		if (*line == ' ' || *line == '\t' || (colon = strchr(line, ':')) == NULL) {
			k->skip = "a header folded over lines (saoidc sends none)";
			return true;
		}
		*colon = '\0';
		if (strcasecmp(line, "Host") == 0)
			snprintf(k->host, sizeof(k->host), "%s", colon + 1);
		if (header(k->h, k->n, line) != NULL)
			k->skip = "a header name repeated (saoidc repeats none)";
		if (strcasecmp(line, "X-Amz-Security-Token") == 0)
			snprintf(k->token, sizeof(k->token), "%s", colon + 1);
		/* the signer adds these itself (Host from req->host) */
		else if (strcasecmp(line, "Host") != 0 && strcasecmp(line, "X-Amz-Date") != 0 &&
			 strcasecmp(line, "X-Amz-Content-Sha256") != 0)
			sigv4_header_add(&k->h, &k->n, line, colon + 1);
		if (nl == NULL)
			break;
	}
	k->body = strdup(nl != NULL ? nl + 1 : "");
	return true;
}

static char *slurp(const char *path)
{
	unsigned char *buf = NULL;
	size_t len;

	return fs_read_file(path, 1 << 20, &buf, &len, NULL) ? (char *)buf : NULL;
}

static void run_case(const char *dir, const char *name)
{
	char path[1024], *req = NULL, *ctx = NULL, *want = NULL, q[512], *epath;
	kase k = {.akid = "AKIDEXAMPLE",
		  .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		  .region = "us-east-1",
		  .service = "service",
		  .date = "20150830T123600Z"};
	aws_creds c = {0};
	sao_err err = {0};

	snprintf(path, sizeof(path), "%s/%s/%s.req", dir, name, name);
	req = slurp(path);
	snprintf(path, sizeof(path), "%s/%s/%s.ctx", dir, name, name);
	if ((ctx = slurp(path)) != NULL)
		read_ctx(&k, ctx);
	snprintf(path, sizeof(path), "%s/%s/%s.authz", dir, name, name);
	want = slurp(path);
	if (req == NULL || want == NULL || !read_req(&k, req)) {
		ok(false, "peer case %s: readable", name);
	} else if (k.skip != NULL) {
		printf("ok %d - peer case %s # SKIP %s\n", ++tap_n, name, k.skip);
	} else {
		sigv4_req r = {.method = k.method,
			       .host = k.host,
			       .query = q,
			       .body = k.body,
			       .body_len = strlen(k.body),
			       .region = k.region,
			       .service = k.service,
			       .now = amz_time(k.date)};

		want[strcspn(want, "\r\n")] = '\0';
		canonical_query(k.query, q, sizeof(q));
		r.path = epath = sigv4_uri_encode(k.path, true);
		aws_creds_set(&c, k.akid, k.secret, k.token[0] ? k.token : NULL, "test", &err);
		ok(sigv4_sign(&r, &c, &k.h, &k.n, &err), "peer case %s: signs (%s)", name, err.msg);
		is_str(header(k.h, k.n, "Authorization"), want,
		       "peer case %s: Authorization as the reference computes it", name);
		free(epath);
		aws_creds_clear(&c);
	}
	sigv4_headers_free(k.h, k.n);
	free(k.body);
	free(req);
	free(ctx);
	free(want);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void peer_suite(const char *dir)
{
	DIR *d = opendir(dir);
	char *names[256];
	size_t nn = 0;
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL && nn < 256)
		if (e->d_name[0] != '.' && e->d_type == DT_DIR)
			names[nn++] = strdup(e->d_name);
	if (d != NULL)
		closedir(d);
	qsort(names, nn, sizeof(*names), name_cmp);
	for (size_t i = 0; i < nn; i++) {
		char sub[1024];
		struct stat st;

		snprintf(sub, sizeof(sub), "%s/%s/%s.req", dir, names[i], names[i]);
		if (stat(sub, &st) == 0) {
			run_case(dir, names[i]);
		} else { /* a group of cases (normalize-path, post-sts-token) */
			snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
			peer_suite(sub);
		}
		free(names[i]);
	}
}

int main(void)
{
	const char *src = getenv("SRCDIR");
	char dir[1024];
	DIR *d;

	builtin();
	snprintf(dir, sizeof(dir), "%s/../shared/peer-data/sigv4", src != NULL ? src : ".");
	if ((d = opendir(dir)) == NULL) {
		printf("ok %d - AWS's SigV4 suite # SKIP %s is absent (optional peer data)\n", ++tap_n, dir);
	} else {
		closedir(d);
		snprintf(dir, sizeof(dir), "%s/../shared/peer-data/sigv4/aws-sig-v4-test-suite", src);
		peer_suite(dir);
		snprintf(dir, sizeof(dir), "%s/../shared/peer-data/sigv4/extra", src);
		peer_suite(dir);
	}
	return tap_done();
}
