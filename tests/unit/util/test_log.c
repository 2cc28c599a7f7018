/* Unit tests for src/util/log.c's access-log line: every byte a client controls comes out as
 * printable ASCII, fields are cut, and the JSON form parses back to the escaped fields. */
#include "config.h"

#include "util/log.h"
#include "util/str.h"
#include "../tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char captured[65536];

/* Runs log_request (or, with method NULL, log_warn(path)) with stderr sent to a file, and
 * returns what was written. */
static const char *capture(const char *method, const char *path, unsigned status, const char *ua)
{
	char tmpl[] = "/tmp/saoidc-log-XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(2);
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(fd, 2);
	if (method != NULL)
		log_request("192.0.2.1", method, path, status, ua);
	else
		log_warn("%s", path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	n = fread(captured, 1, sizeof(captured) - 1, f);
	captured[n] = '\0';
	/* A text access line carries a UTC timestamp after "saoidc: ": checked here, then cut so the
	 * cases below compare the rest. */
	if (method != NULL && n > 29 && captured[0] == 's' && captured[8] != '{') {
		const char *t = captured + 8;
		bool shape = strlen(t) > 21 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
			     t[16] == ':' && t[19] == 'Z' && t[20] == ' ';

		ok(shape, "a text access line has its timestamp (%.21s)", t);
		if (shape)
			memmove(captured + 8, captured + 29, strlen(captured + 29) + 1);
	}
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

	/* log_msg: a message cannot forge a line, and invalid UTF-8 never loses one. */
	line = capture(NULL, "uid 1\nsaoidc: forged \xff \xc3\xa9", 0, NULL);
	j = json_loads(line, 0, NULL);
	ok(j != NULL && strchr(line, '\n') == line + strlen(line) - 1, "JSON message: one line that parses");
	is_str(json_string_value(json_object_get(j, "msg")), "uid 1\\x0asaoidc: forged \\xff \xc3\xa9",
	       "JSON message: newline and the invalid byte escaped, valid UTF-8 kept");
	json_decref(j);
	{
		char big[12001];

		for (size_t i = 0; i + 2 < sizeof(big); i += 2)
			memcpy(big + i, "\xc3\xa9", 2);
		big[sizeof(big) - 1] = '\0';
		big[sizeof(big) - 2] = '\0';
		line = capture(NULL, big, 0, NULL);
		j = json_loads(line, 0, NULL);
		ok(j != NULL && strlen(json_string_value(json_object_get(j, "msg"))) == 8192 + 3,
		   "JSON message: 12 KB of two-byte characters cut at 8 KB on a character boundary, not dropped");
		json_decref(j);
	}
	log_setup(LOG_INFO, false);
	is_str(capture(NULL, "ns/pod\r\nsaoidc: error: forged", 0, NULL),
	       "saoidc: warning: ns/pod\\x0d\\x0asaoidc: error: forged\n", "text message: CR LF escaped, one line");

	/* str_escape itself, over RFC 3629's edge cases. */
	{
		static const struct {
			const char *in, *want, *what;
		} cases[] = {
		    {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91",
		     "2-, 3-, 4-byte characters kept"},
		    {"\xc0\xaf", "\\xc0\\xaf", "overlong '/' escaped"},
		    {"\xe0\x80\xaf", "\\xe0\\x80\\xaf", "3-byte overlong escaped"},
		    {"\xed\xa0\x80", "\\xed\\xa0\\x80", "a UTF-16 surrogate escaped"},
		    {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "U+10FFFF kept"},
		    {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "above U+10FFFF escaped"},
		    {"\xc2\x85", "\\xc2\\x85", "a C1 control (NEL) escaped"},
		    {"a\xc3", "a\\xc3", "a character cut at the end escaped"},
		    {"\x7f\t", "\\x7f\\x09", "DEL and TAB escaped"},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char *e = str_escape(cases[i].in, 100, 0);

			is_str(e, cases[i].want, "str_escape: %s", cases[i].what);
			free(e);
		}
		{
			char *e = str_escape("ab\xc3\xa9", 3, 0);

			is_str(e, "ab...", "str_escape: the cut never splits a character");
			free(e);
		}
		{
			char *e;
			bool valid = true;

			for (int i = 1; i < 256; i++)
				all[i - 1] = (char)i;
			all[255] = '\0';
			e = str_escape(all, 1000, 0);
			j = e != NULL ? json_string(e) : NULL; /* jansson refuses invalid UTF-8 */
			for (const char *p = e; p != NULL && *p != '\0'; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					valid = false;
			ok(j != NULL && valid, "str_escape: all 255 byte values give valid UTF-8 without controls");
			json_decref(j);
			free(e);
		}
	}

	log_setup(LOG_WARN, false);
	is_str(capture("GET", "/keys.json", 200, "x"), "", "below the log level: nothing");
	return tap_done();
}
