#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "aws/endpoint.h"
#include "pod/federation.h"
#include "pod/podspec.h"
#include "util/yamlout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_pod_patch_help[] =
	"Usage: saoidc pod-patch --cloud aws|azure|gcp --service-account SA [--container NAME ...] [OPTIONS]\n"
	"\n"
	"Print a patch (YAML, for `kubectl patch --type strategic --patch-file`) that gives a Deployment's\n"
	"pods their cloud identity through a projected service-account token, exactly as the EKS pod\n"
	"identity webhook, the Azure workload identity webhook or GCP's credential config expect:\n"
	"the token volume, its read-only mount and the environment variables.\n"
	"\n"
	"  --cloud aws|azure|gcp\n"
	"  --service-account SA      the pod's service account\n"
	"  --container NAME          container to patch (repeatable; default \"app\")\n"
	"  --kind deployment|pod     patch a Deployment's template (default) or a Pod\n"
	"  aws:   --role-arn ARN (required), --audience AUD (sts.amazonaws.com),\n"
	"         --expiration SECONDS (86400; 600..86400), --regional-sts, --region REGION\n"
	"  azure: --client-id ID (required), --tenant-id ID (required), --expiration SECONDS (3600)\n"
	"  gcp:   --project-number N --pool P --provider V (the audience), --config-map NAME holding\n"
	"         credential-configuration.json (from `saoidc trust-policy gcp`), --expiration (3600)\n";

enum {
	OPT_CLOUD = OPT_CMD_BASE,
	OPT_SA,
	OPT_CONTAINER,
	OPT_KIND,
	OPT_ROLE,
	OPT_AUD,
	OPT_EXP,
	OPT_REGIONAL,
	OPT_REGION,
	OPT_CLIENT,
	OPT_TENANT,
	OPT_PROJECT,
	OPT_POOL,
	OPT_PROVIDER,
	OPT_CM
};

typedef struct pp_opts {
	strlist containers;
	const char *v[16];
	bool regional;
} pp_opts;

static bool pp_opt(void *ctx, int c, const char *arg, int *code)
{
	pp_opts *p = ctx;

	if (c == OPT_CONTAINER) {
		if (!strlist_add(&p->containers, arg))
			*code = EXIT_FAILURE;
		return true;
	}
	if (c == OPT_REGIONAL) {
		p->regional = true;
		return true;
	}
	if (c < OPT_CLOUD || c > OPT_CM)
		return false;
	p->v[c - OPT_CMD_BASE] = arg;
	return true;
}

#define V(o) (p.v[(o) - OPT_CMD_BASE])

int cmd_pod_patch(int argc, char **argv)
{
	static const struct option lo[] = {{"cloud", required_argument, NULL, OPT_CLOUD},
					   {"service-account", required_argument, NULL, OPT_SA},
					   {"container", required_argument, NULL, OPT_CONTAINER},
					   {"kind", required_argument, NULL, OPT_KIND},
					   {"role-arn", required_argument, NULL, OPT_ROLE},
					   {"audience", required_argument, NULL, OPT_AUD},
					   {"expiration", required_argument, NULL, OPT_EXP},
					   {"regional-sts", no_argument, NULL, OPT_REGIONAL},
					   {"region", required_argument, NULL, OPT_REGION},
					   {"client-id", required_argument, NULL, OPT_CLIENT},
					   {"tenant-id", required_argument, NULL, OPT_TENANT},
					   {"project-number", required_argument, NULL, OPT_PROJECT},
					   {"pool", required_argument, NULL, OPT_POOL},
					   {"provider", required_argument, NULL, OPT_PROVIDER},
					   {"config-map", required_argument, NULL, OPT_CM},
					   CLI_OPT_HELP,
					   CLI_OPT_END};
	pp_opts p = {0};
	cli_opts o = {0};
	pod_identity id = {0};
	json_t *containers = NULL, *podspec = NULL, *patch = NULL;
	char *gaud = NULL;
	const char *cloud, *kind;
	const aws_partition *part = NULL;
	sao_err err = {""};
	int rc = cli_parse("pod-patch", cmd_pod_patch_help, argc, argv, lo, &o, pp_opt, &p, 0, 0);

	if (rc >= 0)
		goto out;
	cloud = V(OPT_CLOUD);
	kind = V(OPT_KIND) != NULL ? V(OPT_KIND) : "deployment";
	if (cloud == NULL || V(OPT_SA) == NULL) {
		rc = cli_usage_error("pod-patch", "--cloud and --service-account are required");
		goto out;
	}
	if (strcmp(kind, "deployment") != 0 && strcmp(kind, "pod") != 0) {
		rc = cli_usage_error("pod-patch", "--kind is deployment or pod");
		goto out;
	}
	if (V(OPT_EXP) != NULL) {
		char *end;
		long e = strtol(V(OPT_EXP), &end, 10);

		if (*end != '\0' || e < 600 || e > 86400) {
			rc = cli_usage_error("pod-patch", "--expiration takes 600 to 86400 seconds");
			goto out;
		}
		id.expiration = e;
	}
	if (strcmp(cloud, "aws") == 0) {
		id.cloud = POD_AWS;
		id.role_arn = V(OPT_ROLE);
		id.audience = V(OPT_AUD);
		id.regional_sts = p.regional;
		id.region = V(OPT_REGION);
		if (id.role_arn == NULL || strncmp(id.role_arn, "arn:", 4) != 0) {
			rc = cli_usage_error("pod-patch", "aws needs --role-arn arn:aws:iam::ACCOUNT:role/NAME");
			goto out;
		}
		/* A role of one partition cannot be assumed through another's STS. */
		if ((id.region != NULL && (part = aws_partition_of(id.region, &err)) == NULL) ||
		    !aws_arn_check("--role-arn", id.role_arn, part, id.region, &err)) {
			rc = cli_fail(&err);
			goto out;
		}
	} else if (strcmp(cloud, "azure") == 0) {
		id.cloud = POD_AZURE;
		id.client_id = V(OPT_CLIENT);
		id.tenant_id = V(OPT_TENANT);
		if (id.client_id == NULL || id.tenant_id == NULL) {
			rc = cli_usage_error("pod-patch", "azure needs --client-id and --tenant-id");
			goto out;
		}
	} else if (strcmp(cloud, "gcp") == 0) {
		id.cloud = POD_GCP;
		if (V(OPT_PROJECT) == NULL || V(OPT_POOL) == NULL || V(OPT_PROVIDER) == NULL || V(OPT_CM) == NULL) {
			rc = cli_usage_error("pod-patch", "gcp needs --project-number, --pool, --provider and --config-map");
			goto out;
		}
		gaud = fed_gcp_audience(V(OPT_PROJECT), V(OPT_POOL), V(OPT_PROVIDER));
		id.audience = gaud;
		id.config_map = V(OPT_CM);
	} else {
		rc = cli_usage_error("pod-patch", "--cloud is aws, azure or gcp");
		goto out;
	}
	if (p.containers.n == 0)
		strlist_add(&p.containers, "app");
	containers = json_array();
	for (size_t i = 0; i < p.containers.n; i++)
		json_array_append_new(containers, json_pack("{s:s, s:o, s:o}", "name", p.containers.v[i], "env", pod_env(&id),
							    "volumeMounts", pod_mounts(&id)));
	podspec = json_pack("{s:s, s:o, s:o}", "serviceAccountName", V(OPT_SA), "containers", containers, "volumes",
			    pod_volumes(&id));
	containers = NULL;
	patch = strcmp(kind, "pod") == 0 ? json_pack("{s:o}", "spec", podspec)
					 : json_pack("{s:{s:{s:o}}}", "spec", "template", "spec", podspec);
	podspec = NULL;
	yaml_write(stdout, patch);
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
out:
	json_decref(patch);
	json_decref(podspec);
	json_decref(containers);
	free(gaud);
	strlist_clear(&p.containers);
	cli_opts_free(&o);
	return rc;
}
