#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "aws/endpoint.h"
#include "pod/federation.h"
#include "pod/podspec.h"
#include "pod/workload.h"
#include "util/fsio.h"
#include "util/log.h"
#include "util/yaml.h"
#include "util/yamlout.h"

#include <jansson.h>
#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_pod_patch_help[] =
    "Usage: saoidc pod-patch --cloud aws|azure|gcp --service-account SA -f WORKLOAD.json [OPTIONS]\n"
    "       saoidc pod-patch --cloud aws|azure|gcp --service-account SA --container NAME ... [OPTIONS]\n"
    "\n"
    "Print a patch (YAML, for `kubectl patch --type strategic --patch-file`) that gives a workload's\n"
    "pods their cloud identity through a projected service-account token, exactly as the EKS pod\n"
    "identity webhook, the Azure workload identity webhook or GCP's credential config expect:\n"
    "the token volume, its read-only mount and the environment variables.\n"
    "With -f (the workload as `kubectl get deploy/NAME -o json` prints it: a Deployment,\n"
    "StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod), every container and init container\n"
    "is patched by the webhook's rules: what a container already sets (its own AWS_REGION or\n"
    "AWS_ROLE_ARN, a token mount) is never overwritten, and the kind comes from the file. A\n"
    "workload that names another serviceAccountName is refused: the patch would move its pods to\n"
    "--service-account (its token, its RBAC) unless --replace-service-account says so.\n"
    "\n"
    "  --cloud aws|azure|gcp\n"
    "  --service-account SA      the pod's service account\n"
    "  -f, --filename FILE       the workload (JSON or YAML, as kubectl prints it; - for stdin)\n"
    "  --replace-service-account with -f: the workload's serviceAccountName may be replaced\n"
    "  --container NAME          container to patch (repeatable); with -f, only these\n"
    "  --kind deployment|pod     without -f: patch a Deployment's template (default) or a Pod\n"
    "  aws:   --role-arn ARN (required), --audience AUD (sts.amazonaws.com),\n"
    "         --expiration SECONDS (86400; 600..86400), --regional-sts, --region REGION\n"
    "  azure: --client-id ID (required), --tenant-id ID (required), --expiration SECONDS (3600)\n"
    "  gcp:   --project-number N --pool P --provider V (the audience), --config-map NAME holding\n"
    "         credential-configuration.json (from `saoidc trust-policy gcp`), --expiration (3600)\n"
    "  -h, --help                show this help\n";

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
	OPT_CM,
	OPT_REPLACE_SA,
	OPT_FILE = 'f'
};

typedef struct pp_opts {
	strlist containers;
	const char *v[16];
	const char *file;
	bool regional;
	bool replace_sa; /* --replace-service-account */
} pp_opts;

static bool pp_opt(void *ctx, int c, const char *arg, int *code)
{
	pp_opts *p = ctx;

	if (c == OPT_CONTAINER) {
		if (!strlist_add(&p->containers, arg))
			*code = EXIT_FAILURE;
		return true;
	}
	if (c == OPT_REGIONAL || c == OPT_REPLACE_SA) {
		*(c == OPT_REGIONAL ? &p->regional : &p->replace_sa) = true;
		return true;
	}
	if (c == OPT_FILE) {
		p->file = arg;
		return true;
	}
	if (c < OPT_CLOUD || c > OPT_CM)
		return false;
	p->v[c - OPT_CMD_BASE] = arg;
	return true;
}

#define V(o) (p.v[(o)-OPT_CMD_BASE])

/* The workload in a file, JSON or YAML as kubectl prints them (the first non-blank byte tells). */
static json_t *read_workload(const char *file, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, i = 0;
	json_error_t je;
	json_t *w = NULL;

	if (!fs_read_file(file, FS_READ_MAX, &buf, &len, err)) {
		err_prefix(err, "-f %s: ", file);
		return NULL;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '{') {
		if ((w = json_loadb((const char *)buf, len, 0, &je)) == NULL)
			err_set(err, "-f %s: not JSON (line %d: %s)", file, je.line, je.text);
	} else if ((w = yaml_to_json((const char *)buf, len, err)) == NULL) {
		err_prefix(err, "-f %s: not YAML: ", file);
	} else if (!json_is_object(w)) {
		json_decref(w);
		w = NULL;
		err_set(err, "-f %s: not a Kubernetes object (give it as `kubectl get KIND/NAME -o yaml` prints it)",
			file);
	}
	OPENSSL_clear_free(buf, len);
	return w;
}

/* The patch for the workload in `file`; the note about its ServiceAccount is printed here. */
static json_t *workload_patch(const char *file, const char *sa, bool replace_sa, pod_identity *id, const strlist *only,
			      sao_err *err)
{
	json_t *w = read_workload(file, err), *out;
	wl_note note;

	if (w == NULL)
		return NULL;
	out = wl_patch(w, file, sa, replace_sa, id, only, &note, err);
	if (out != NULL && note.text[0] != '\0') {
		if (note.warn)
			log_warn("%s", note.text);
		else
			log_info("%s", note.text);
	}
	json_decref(w);
	return out;
}

const struct option cmd_pod_patch_options[] = {{"cloud", required_argument, NULL, OPT_CLOUD},
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
					       {"replace-service-account", no_argument, NULL, OPT_REPLACE_SA},
					       {"filename", required_argument, NULL, OPT_FILE},
					       CLI_OPT_HELP,
					       CLI_OPT_END};

/* The identity the options ask for. -1: made; else the exit code (the message printed). */
static int make_identity(const pp_opts *pp, pod_identity *id, char **gaud)
{
	const pp_opts p = *pp;
	const char *cloud = V(OPT_CLOUD);
	const aws_partition *part = NULL;
	sao_err err = {""};

	if (V(OPT_EXP) != NULL) {
		char *end;
		long e = strtol(V(OPT_EXP), &end, 10);

		if (*end != '\0' || e < 600 || e > 86400)
			return cli_usage_error("pod-patch", "--expiration takes 600 to 86400 seconds");
		id->expiration = e;
	}
	if (strcmp(cloud, "aws") == 0) {
		id->cloud = POD_AWS;
		id->role_arn = V(OPT_ROLE);
		id->audience = V(OPT_AUD);
		id->regional_sts = p.regional;
		id->region = V(OPT_REGION);
		if (id->role_arn == NULL || strncmp(id->role_arn, "arn:", 4) != 0)
			return cli_usage_error("pod-patch", "aws needs --role-arn arn:aws:iam::ACCOUNT:role/NAME");
		/* A role of one partition cannot be assumed through another's STS. */
		if ((id->region != NULL && (part = aws_partition_of(id->region, &err)) == NULL) ||
		    !aws_arn_check("--role-arn", id->role_arn, part, id->region, &err))
			return cli_fail(&err);
	} else if (strcmp(cloud, "azure") == 0) {
		id->cloud = POD_AZURE;
		id->client_id = V(OPT_CLIENT);
		id->tenant_id = V(OPT_TENANT);
		if (id->client_id == NULL || id->tenant_id == NULL)
			return cli_usage_error("pod-patch", "azure needs --client-id and --tenant-id");
	} else if (strcmp(cloud, "gcp") == 0) {
		id->cloud = POD_GCP;
		if (V(OPT_PROJECT) == NULL || V(OPT_POOL) == NULL || V(OPT_PROVIDER) == NULL || V(OPT_CM) == NULL)
			return cli_usage_error("pod-patch",
					       "gcp needs --project-number, --pool, --provider and --config-map");
		*gaud = fed_gcp_audience(V(OPT_PROJECT), V(OPT_POOL), V(OPT_PROVIDER));
		id->audience = *gaud;
		id->config_map = V(OPT_CM);
	} else {
		return cli_usage_error("pod-patch", "--cloud is aws, azure or gcp");
	}
	return -1;
}

/* Without -f: the patch for the named containers of a Deployment's template or a Pod. */
static json_t *containers_patch(const pp_opts *pp, const char *kind, const pod_identity *id)
{
	const pp_opts p = *pp;
	json_t *containers = json_array(), *podspec;

	for (size_t i = 0; containers != NULL && i < p.containers.n; i++)
		json_array_append_new(containers, json_pack("{s:s, s:o, s:o}", "name", p.containers.v[i], "env",
							    pod_env(id), "volumeMounts", pod_mounts(id)));
	podspec = json_pack("{s:s, s:o, s:o}", "serviceAccountName", V(OPT_SA), "containers", containers, "volumes",
			    pod_volumes(id));
	if (podspec == NULL)
		return NULL;
	return strcmp(kind, "pod") == 0 ? json_pack("{s:o}", "spec", podspec)
					: json_pack("{s:{s:{s:o}}}", "spec", "template", "spec", podspec);
}

int cmd_pod_patch(int argc, char **argv)
{
	pp_opts p = {0};
	cli_opts o = {0};
	pod_identity id = {0};
	json_t *patch = NULL;
	char *gaud = NULL;
	const char *kind;
	sao_err err = {""};
	int rc = cli_parse("pod-patch", cmd_pod_patch_help, argc, argv, cmd_pod_patch_options, &o, pp_opt, &p, 0, 0);

	if (rc >= 0)
		goto out;
	kind = V(OPT_KIND) != NULL ? V(OPT_KIND) : "deployment";
	if (V(OPT_CLOUD) == NULL || V(OPT_SA) == NULL) {
		rc = cli_usage_error("pod-patch", "--cloud and --service-account are required");
		goto out;
	}
	if (strcmp(kind, "deployment") != 0 && strcmp(kind, "pod") != 0) {
		rc = cli_usage_error("pod-patch", "--kind is deployment or pod");
		goto out;
	}
	if ((rc = make_identity(&p, &id, &gaud)) >= 0)
		goto out;
	if (p.file == NULL && p.containers.n == 0) {
		rc = cli_usage_error("pod-patch",
				     "give the workload (-f FILE, from kubectl get -o json or -o yaml) or the "
				     "containers to patch (--container NAME)");
		goto out;
	}
	patch = p.file != NULL ? workload_patch(p.file, V(OPT_SA), p.replace_sa, &id, &p.containers, &err)
			       : containers_patch(&p, kind, &id);
	if (patch == NULL) {
		rc = cli_fail(err.msg[0] != '\0' ? &err : (err_set(&err, "out of memory"), &err));
		goto out;
	}
	yaml_write(stdout, patch);
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
out:
	json_decref(patch);
	free(gaud);
	strlist_clear(&id.skip);
	strlist_clear(&p.containers);
	cli_opts_free(&o);
	return rc;
}
