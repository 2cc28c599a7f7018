#include "config.h"

#include "aws/ini.h"

#include "util/fsio.h"
#include "util/str.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *aws_ini_home_file(const char *env, const char *rel)
{
	const char *v = env != NULL ? getenv(env) : NULL, *home = getenv("HOME");
	char *p = NULL;

	if (v != NULL && v[0] != '\0')
		return strdup(v);
	if (home == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", home, rel) < 0)
		return NULL;
	return p;
}

char *aws_ini_lookup(const char *text, size_t len, const char *section, const char *key)
{
	const char *p = text, *end = text + len;
	bool in = false;
	char *val = NULL;

	while (val == NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl != NULL ? nl : end) - p);
		char *line = strndup(p, ll), *l, *eq; /* any length: a session token can be long */
		size_t n;

		p = nl != NULL ? nl + 1 : end;
		if (line == NULL)
			return NULL;
		n = strlen(line); /* strndup stops at a NUL: not ll */
		l = str_trim(line);
		if (l[0] == '[') {
			char *close = strchr(l, ']');

			if (close != NULL) {
				*close = '\0';
				in = strcmp(str_trim(l + 1), section) == 0;
			}
		} else if (in && l[0] != '#' && l[0] != ';' && (eq = strchr(l, '=')) != NULL) {
			*eq = '\0';
			if (strcmp(str_trim(l), key) == 0)
				val = strdup(str_trim(eq + 1));
		}
		OPENSSL_clear_free(line, n);
	}
	return val;
}

/* Looks up `key` in section `section` of an INI file; malloc'd value or NULL. */
static char *ini_get(const char *path, const char *section, const char *key)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *val;
	sao_err err;

	if (path == NULL || !fs_read_file(path, 1024 * 1024, &buf, &len, &err))
		return NULL;
	val = aws_ini_lookup((const char *)buf, len, section, key);
	OPENSSL_clear_free(buf, len + 1);
	return val;
}

const char *aws_ini_profile(void)
{
	const char *p = getenv("AWS_PROFILE");

	return p != NULL && p[0] != '\0' ? p : "default";
}

/* In ~/.aws/config the section is "profile NAME", except for "default". */
char *aws_ini_config(const char *key)
{
	char *path = aws_ini_home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL, *v = NULL;
	const char *name = aws_ini_profile();

	if (path == NULL)
		return NULL;
	if (strcmp(name, "default") == 0 ? (section = strdup("default")) != NULL
					 : asprintf(&section, "profile %s", name) >= 0)
		v = ini_get(path, section, key);
	free(section);
	free(path);
	return v;
}

/* A profile's key: the credentials file's [NAME] first, then the config file's. */
char *aws_ini_profile_get(const char *name, const char *key)
{
	char *path = aws_ini_home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
	     *v = ini_get(path, name, key);

	free(path);
	if (v == NULL) {
		char *cfg = aws_ini_home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL;

		if (cfg != NULL && (strcmp(name, "default") == 0 ? (section = strdup("default")) != NULL
								 : asprintf(&section, "profile %s", name) >= 0))
			v = ini_get(cfg, section, key);
		free(section);
		free(cfg);
	}
	return v;
}

bool aws_ini_profile_has(const char *name, const char *key)
{
	char *v = aws_ini_profile_get(name, key);

	free(v);
	return v != NULL;
}

/* A key of the config file's [sso-session NAME] section. */
char *aws_ini_sso_session(const char *session, const char *key)
{
	char *cfg = aws_ini_home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL, *v = NULL;

	if (cfg != NULL && asprintf(&section, "sso-session %s", session) >= 0)
		v = ini_get(cfg, section, key);
	free(section);
	free(cfg);
	return v;
}
