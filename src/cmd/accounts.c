#include "config.h"

#include "cmd/accounts.h"

#include "aws/creds.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool acct_opt(acct_opts *a, int c, const char *arg)
{
	if (c == OPT_ASSUME_ROLE)
		return strlist_add(&a->roles, arg) || true;
	if (c == OPT_PROFILE)
		return strlist_add(&a->profiles, arg) || true;
	if (c == OPT_EXTERNAL_ID) {
		a->external_id = arg;
		return true;
	}
	return false;
}

void acct_opts_clear(acct_opts *a)
{
	strlist_clear(&a->roles);
	strlist_clear(&a->profiles);
}

/* The variables an account's run sets, saved before and put back after. */
static const char *const vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"};
#define NVARS (sizeof(vars) / sizeof(*vars))

static void save(char *saved[NVARS])
{
	for (size_t i = 0; i < NVARS; i++)
		saved[i] = getenv(vars[i]) != NULL ? strdup(getenv(vars[i])) : NULL;
}

static void restore(char *saved[NVARS])
{
	for (size_t i = 0; i < NVARS; i++) {
		if (saved[i] != NULL)
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
		saved[i] = NULL;
	}
}

/* The environment of an assumed role: its keys and session token, no profile. */
static bool enter_role(const char *role, const char *external_id, const aws_where *where, sao_err *err)
{
	aws_creds base = {0}, c = {0};
	bool ok = aws_creds_load(&base, where, err) && aws_assume_role(&base, role, external_id, where, &c, err);

	if (ok) {
		setenv("AWS_ACCESS_KEY_ID", c.access_key, 1);
		setenv("AWS_SECRET_ACCESS_KEY", c.secret_key, 1);
		if (c.token != NULL)
			setenv("AWS_SESSION_TOKEN", c.token, 1);
		else
			unsetenv("AWS_SESSION_TOKEN");
		unsetenv("AWS_PROFILE");
	}
	aws_creds_clear(&base);
	aws_creds_clear(&c);
	return ok;
}

/* The environment of a profile: the profile alone (keys in the environment would come first). */
static void enter_profile(const char *profile)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	setenv("AWS_PROFILE", profile, 1);
}

int acct_each(const acct_opts *a, const char *region, bool fips, bool allow_unknown_region, acct_fn fn, void *ctx)
{
	size_t n = a->roles.n + a->profiles.n, failed = 0;
	int first_rc = 0;

	if (n == 0)
		return fn(ctx, "");
	for (size_t i = 0; i < n; i++) {
		bool role = i < a->roles.n;
		const char *what = role ? a->roles.v[i] : a->profiles.v[i - a->roles.n];
		char *saved[NVARS], label[400];
		sao_err err = {""};
		aws_where where = {0};
		int rc = 1;

		snprintf(label, sizeof(label), "%s %s", role ? "role" : "profile", what);
		save(saved);
		if (!role)
			enter_profile(what);
		if (role && !(aws_where_init(&where, region, fips, allow_unknown_region, &err) &&
			      enter_role(what, a->external_id, &where, &err)))
			log_error("%s: %s", label, err.msg);
		else
			rc = fn(ctx, label);
		restore(saved);
		aws_where_clear(&where);
		if (rc != 0 && failed++ == 0)
			first_rc = rc;
		log_info("%s: %s", label, rc == 0 ? "done" : "FAILED");
	}
	if (failed > 0)
		log_error("%zu of %zu account%s failed", failed, n, n == 1 ? "" : "s");
	return first_rc;
}
