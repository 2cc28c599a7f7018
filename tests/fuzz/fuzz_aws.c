/* libFuzzer target: what saoidc reads from AWS and from AWS files: XML responses (error codes,
 * STS credentials, IAM member lists) and the shared config/credentials INI files. */
#include "config.h"

#include "aws/aws.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *x = (const char *)data;
	strlist l = {0};
	char *v;

	free(aws_xml_text(x, size, "Code"));
	free(aws_xml_text(x, size, "SecretAccessKey"));
	(void)aws_xml_members(x, size, "OpenIDConnectProviderList", "Arn", &l);
	(void)aws_xml_members(x, size, "ClientIDList", NULL, &l);
	(void)aws_xml_members(x, size, "Tags", "Key", &l);
	strlist_clear(&l);
	v = aws_ini_lookup(x, size, "default", "aws_access_key_id");
	free(v);
	v = aws_ini_lookup(x, size, "profile ci", "region");
	free(v);
	return 0;
}
