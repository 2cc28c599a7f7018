#include "config.h"

#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
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
		time_t now = time(NULL);
		struct tm tm;
		json_t *o;
		char *s;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		o = json_pack("{s:s, s:s, s:s}", "time", ts, "level", names[lvl], "msg", line);
		s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s != NULL)
			fprintf(stderr, "%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	if (lvl == LOG_INFO)
		fprintf(stderr, "saoidc: %s\n", line);
	else
		fprintf(stderr, "saoidc: %s: %s\n", names[lvl], line);
}
