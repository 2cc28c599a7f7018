/* Unit tests for src/aws/creds.c's reader of ~/.aws/credentials and ~/.aws/config: sections,
 * comments, spacing as the AWS CLI accepts them, and values of any length (a session token is
 * often over 1 KB and may exceed 4 KB; it was once cut at 4095 bytes). */
#include "config.h"

#include "aws/ini.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void lookup(const char *text, const char *section, const char *key, const char *want, const char *what)
{
	char *v = aws_ini_lookup(text, strlen(text), section, key);

	is_str(v != NULL ? v : "(none)", want != NULL ? want : "(none)", "%s", what);
	free(v);
}

int main(void)
{
	static const char ini[] = "# comment\n"
				  "[default]\n"
				  "aws_access_key_id = AKIDEXAMPLE\n"
				  "  region=us-gov-west-1  \n"
				  "; aws_secret_access_key = commented\n"
				  "[profile ci]\r\n"
				  "region = cn-north-1\r\n"
				  "[ spaced ]\n"
				  "key=a=b\n";
	char *big = malloc(9000), *tok = malloc(8000);

	lookup(ini, "default", "aws_access_key_id", "AKIDEXAMPLE", "a key in [default]");
	lookup(ini, "default", "region", "us-gov-west-1", "spaces around the line and the '=' are trimmed");
	lookup(ini, "default", "aws_secret_access_key", NULL, "a ';' comment is not a value");
	lookup(ini, "profile ci", "region", "cn-north-1", "CRLF line ends");
	lookup(ini, "spaced", "key", "a=b", "a section name with spaces inside the brackets; '=' in a value");
	lookup(ini, "ci", "region", NULL, "a profile in the config file is [profile NAME], not [NAME]");
	lookup("[default]\nregion = eu-west-1", "default", "region", "eu-west-1", "no newline at the end");

	memset(tok, 'A', 7999);
	tok[7999] = '\0';
	snprintf(big, 9000, "[default]\naws_session_token = %s\nregion = x\n", tok);
	lookup(big, "default", "aws_session_token", tok, "an 8000-byte session token comes back whole");
	lookup(big, "default", "region", "x", "and the line after it is still read");
	free(big);
	free(tok);
	return tap_done();
}
