#include "config.h"

#include "util/log.h"

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

void log_note(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_msg(LOG_INFO, "%s", line);
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
	free(s);
	json_decref(o);
}

void log_msg(log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	char line[2048];
	va_list ap;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (json_format) {
		char ts[32];

		timestamp(ts);
		json_line(json_pack("{s:s, s:s, s:s}", "time", ts, "level", names[lvl], "msg", line));
		return;
	}
	if (lvl == LOG_INFO)
		fprintf(stderr, "saoidc: %s\n", line);
	else
		fprintf(stderr, "saoidc: %s: %s\n", names[lvl], line);
}

/* Copies in into out (of size >= 4 * max + 4) with every byte outside printable ASCII, '"' and
 * '\\' as \xNN, stopping after max input bytes with "...". */
static void escape_field(const char *in, char *out, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *in != '\0' && n < max; in++, n++) {
		unsigned char b = (unsigned char)*in;

		if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
			*out++ = '\\';
			*out++ = 'x';
			*out++ = hex[b >> 4];
			*out++ = hex[b & 15];
		} else {
			*out++ = (char)b;
		}
	}
	if (*in != '\0') {
		memcpy(out, "...", 3);
		out += 3;
	}
	*out = '\0';
}

#define FIELD_MAX 512

void log_request(const char *client, const char *method, const char *path, unsigned status, const char *user_agent)
{
	char m[4 * FIELD_MAX + 4], p[4 * FIELD_MAX + 4], ua[4 * FIELD_MAX + 4];

	if (LOG_INFO < min_level)
		return;
	escape_field(method, m, FIELD_MAX);
	escape_field(path, p, FIELD_MAX);
	escape_field(user_agent != NULL ? user_agent : "-", ua, FIELD_MAX);
	if (json_format) {
		char ts[32];

		timestamp(ts);
		json_line(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "time", ts, "level", "info", "msg",
				    "request", "client", client, "method", m, "path", p, "status", (int)status,
				    "user_agent", ua));
		return;
	}
	fprintf(stderr, "saoidc: %s \"%s %s\" %u \"%s\"\n", client, m, p, status, ua);
}
