/* Unit tests for src/util/log.c's access-log line: every byte a client controls comes out as
 * printable ASCII, fields are cut, and the JSON form parses back to the escaped fields. */
#include "config.h"

#include "util/log.h"
#include "tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char captured[65536];

/* Runs log_request with stderr sent to a file, and returns what was written. */
static const char *capture(const char *method, const char *path, unsigned status, const char *ua)
{
	char tmpl[] = "/tmp/saoidc-log-XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(2);
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(fd, 2);
	log_request("192.0.2.1", method, path, status, ua);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	n = fread(captured, 1, sizeof(captured) - 1, f);
	captured[n] = '\0';
	fclose(f);
	unlink(tmpl);
	return captured;
}

int main(void)
{
	char all[256], longpath[2048];
	const char *line;
	bool printable = true;
	json_t *j;

	log_setup(LOG_INFO, false);
	is_str(capture("GET", "/keys.json", 200, "aws-sdk-go/1.0"),
	       "saoidc: 192.0.2.1 \"GET /keys.json\" 200 \"aws-sdk-go/1.0\"\n", "a plain request");
	is_str(capture("GET", "/x", 404, NULL), "saoidc: 192.0.2.1 \"GET /x\" 404 \"-\"\n", "no User-Agent: -");
	is_str(capture("GET", "/a\nsaoidc: forged\r\x1b[0m", 404, "\"q\" \\"),
	       "saoidc: 192.0.2.1 \"GET /a\\x0asaoidc: forged\\x0d\\x1b[0m\" 404 \"\\x22q\\x22 \\x5c\"\n",
	       "newline, CR, ESC, quote and backslash are escaped");

	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	line = capture("GET", all, 400, all);
	for (const char *p = line; *p != '\0'; p++)
		if ((*p < 0x20 || *p > 0x7e) && !(*p == '\n' && p[1] == '\0'))
			printable = false;
	ok(printable, "every byte value 1..255 comes out as printable ASCII, one line");
	ok(strstr(line, "\\xff") != NULL && strstr(line, "\\x80") != NULL && strstr(line, "\\x7f") != NULL,
	   "bytes >= 0x7f as \\xNN");

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	line = capture("GET", longpath, 414, "ua");
	ok(strlen(line) < 600 && strstr(line, "aaa...\" 414") != NULL, "a 2 KB path is cut at 512 bytes with ...");

	log_setup(LOG_INFO, true);
	line = capture("GET", "/a\n\"\xff", 404, "kube-probe/1.29");
	j = json_loads(line, 0, NULL);
	ok(j != NULL, "JSON: the line parses");
	is_str(json_string_value(json_object_get(j, "path")), "/a\\x0a\\x22\\xff",
	       "JSON: the path, escaped the same way");
	is_int(json_integer_value(json_object_get(j, "status")), 404, "JSON: the status as a number");
	is_str(json_string_value(json_object_get(j, "user_agent")), "kube-probe/1.29", "JSON: the User-Agent");
	is_str(json_string_value(json_object_get(j, "client")), "192.0.2.1", "JSON: the client");
	json_decref(j);

	log_setup(LOG_WARN, false);
	is_str(capture("GET", "/keys.json", 200, "x"), "", "below the log level: nothing");
	return tap_done();
}
