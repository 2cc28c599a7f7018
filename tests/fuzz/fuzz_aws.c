/* libFuzzer target: what saoidc reads from AWS and from AWS files: XML responses (error codes,
 * STS credentials, IAM member lists), the shared config/credentials INI files, and regions and
 * ARNs given by the user (partition and endpoint resolution). */
#include "config.h"

#include "aws/creds.h"
#include "aws/ini.h"
#include "aws/endpoint.h"
#include "aws/xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	if ((v = malloc(size + 1)) != NULL) {
		memcpy(v, data, size);
		v[size] = '\0';
		(void)aws_partition_of(v, NULL);
		(void)aws_arn_partition(v);
		for (int svc = AWS_S3; svc <= AWS_IAM; svc++)
			for (int variant = 0; variant < 4; variant++) {
				aws_endpoint_cfg cfg = {variant & 1, (variant & 2) != 0};
				aws_endpoint ep;
				sao_err err;

				(void)aws_endpoint_resolve((aws_service)svc, v, &cfg, &ep, &err);
			}
		free(v);
	}
	return 0;
}
