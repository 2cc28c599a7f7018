#include "config.h"

#include "util/log.h"

#include "util/str.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static log_level min_level = LOG_INFO;
static bool json_format;

void log_setup(log_level min, bool json)
{
	min_level = min;
	json_format = json;
}

bool log_set_format(const char *name)
{
	if (strcmp(name, "text") == 0)
		json_format = false;
	else if (strcmp(name, "json") == 0)
		json_format = true;
	else
		return false;
	return true;
}

#define LOG_MAX 8192 /* bytes of one message, before escaping */

void log_note(const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	log_msg(LOG_INFO, "%s", line != NULL ? line : "(out of memory)");
	free(line);
}

/* Now, as in the JSON lines' "time". */
static void timestamp(char ts[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes one JSON object as a line and releases it (NULL: out of memory, nothing written). */
static void json_line(json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	if (s != NULL)
		fprintf(stderr, "%s\n", s);
	else
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"log line lost: out of memory\"}\n");
	free(s);
	json_decref(o);
}

void log_msg(log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	char *raw = NULL, *line;
	va_list ap;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0)
		raw = NULL;
	va_end(ap);
	/* One line, whatever the message holds: control characters (a forged "\n...") and invalid
	 * UTF-8 (which JSON cannot carry) are escaped, never dropped. */
	line = raw != NULL ? str_escape(raw, LOG_MAX, 0) : NULL;
	free(raw);
	if (json_format) {
		char ts[32];

		timestamp(ts);
		json_line(json_pack("{s:s, s:s, s:s}", "time", ts, "level", names[lvl], "msg",
				    line != NULL ? line : "(out of memory)"));
	} else if (lvl == LOG_INFO) {
		fprintf(stderr, "saoidc: %s\n", line != NULL ? line : "(out of memory)");
	} else {
		fprintf(stderr, "saoidc: %s: %s\n", names[lvl], line != NULL ? line : "(out of memory)");
	}
	free(line);
}

#define FIELD_MAX 512

void log_request(const char *client, const char *method, const char *path, unsigned status, const char *user_agent)
{
	const unsigned f = STR_ESC_ASCII | STR_ESC_QUOTES;
	char *m, *p, *ua;

	if (LOG_INFO < min_level)
		return;
	m = str_escape(method, FIELD_MAX, f);
	p = str_escape(path, FIELD_MAX, f);
	ua = str_escape(user_agent != NULL ? user_agent : "-", FIELD_MAX, f);
	if (m == NULL || p == NULL || ua == NULL) {
		fprintf(stderr, "saoidc: %s (request not logged: out of memory)\n", client);
	} else if (json_format) {
		char ts[32];

		timestamp(ts);
		json_line(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "time", ts, "level", "info", "msg",
				    "request", "client", client, "method", m, "path", p, "status", (int)status,
				    "user_agent", ua));
	} else {
		char ts[32];

		timestamp(ts);
		fprintf(stderr, "saoidc: %s %s \"%s %s\" %u \"%s\"\n", ts, client, m, p, status, ua);
	}
	free(m);
	free(p);
	free(ua);
}
