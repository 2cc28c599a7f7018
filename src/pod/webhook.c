#include "config.h"

#include "pod/webhook.h"

#include "aws/endpoint.h"

#include "util/b64.h"
#include "util/str.h"
#include "pod/podspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_t *response(const char *uid, bool allowed, const json_t *patch, const char *message)
{
	json_t *resp = json_pack("{s:s, s:b}", "uid", uid != NULL ? uid : "", "allowed", allowed);

	if (resp == NULL)
		return NULL;
	if (allowed && message != NULL) {
		/* Shown by kubectl to whoever created the pod (admission warnings, Kubernetes 1.19+). */
		char *m = str_escape(message, 1024, 0);

		if (m != NULL)
			json_object_set_new(resp, "warnings", json_pack("[s]", m));
		free(m);
		message = NULL;
	}
	if (patch != NULL && json_array_size(patch) > 0) {
		char *p = json_dumps(patch, JSON_COMPACT);
		char *b = p != NULL ? b64_std_encode((const unsigned char *)p, strlen(p)) : NULL;

		if (b != NULL) {
			json_object_set_new(resp, "patchType", json_string("JSONPatch"));
			json_object_set_new(resp, "patch", json_string(b));
		}
		free(p);
		free(b);
	}
	if (message != NULL)
		json_object_set_new(resp, "status",
				    json_pack("{s:s, s:i}", "message", message, "code", allowed ? 200 : 400));
	return json_pack("{s:s, s:s, s:o}", "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "response",
			 resp);
}

static void append_all(json_t *dst, const json_t *src)
{
	json_array_extend(dst, (json_t *)src);
}

/* A DNS-1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), or with
 * dots a subdomain of such labels, at most max characters. */
static bool dns_name(const char *s, size_t max, bool dots)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (c == '.' && dots) {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!alnum && (c != '-' || label == 0))
			return false;
		if (++label > 63)
			return false;
	}
	return s[n - 1] != '-' && s[n - 1] != '.';
}

bool wh_parse_bool(const char *v, bool otherwise)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; v != NULL && i < sizeof(yes) / sizeof(*yes); i++) {
		if (strcmp(v, yes[i]) == 0)
			return true;
		if (strcmp(v, no[i]) == 0)
			return false;
	}
	return otherwise;
}

/* "PREFIX/NAME" for an AWS annotation, PREFIX being --annotation-prefix (eks.amazonaws.com). */
static const char *aws_key(const wh_cfg *cfg, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", cfg->annotation_prefix != NULL ? cfg->annotation_prefix : "eks.amazonaws.com",
		 name);
	return buf;
}

/* Adds the names of a comma-separated list (spaces around names ignored) to l. */
static void csv_names(const char *csv, strlist *l)
{
	char *s = csv != NULL ? strdup(csv) : NULL, *save = NULL;

	for (char *t = s != NULL ? strtok_r(s, ",", &save) : NULL; t != NULL; t = strtok_r(NULL, ",", &save)) {
		char *name = t, *e;

		while (*name == ' ')
			name++;
		for (e = name + strlen(name); e > name && e[-1] == ' ';)
			*--e = '\0';
		if (*name != '\0')
			strlist_add(l, name);
	}
	free(s);
}

/* A whole number of seconds as an annotation holds it, or `otherwise` when it is absent or not
 * a number (EKS logs and ignores a bad value). */
static long parse_seconds(const char *v, long otherwise)
{
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return otherwise;
	errno = 0;
	n = strtol(v, &end, 10);
	return *end != '\0' || errno != 0 ? otherwise : n;
}

/* A member of an object by a name compared without regard to case (Go's encoding/json). */
static json_t *get_nocase(const json_t *o, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		if (strcasecmp(k, name) == 0)
			return v;
	}
	return NULL;
}

json_t *wh_config_map_merge(json_t *ann, const json_t *config, const char *ns, const char *name, const wh_cfg *cfg)
{
	char key[600], akey[256];
	const json_t *e;
	const char *role;
	json_t *out;

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	e = json_object_get(config, key);
	role = json_string_value(get_nocase(e, "RoleARN"));
	if (role == NULL || role[0] == '\0' ||
	    json_object_get(ann, aws_key(cfg, "role-arn", akey, sizeof(akey))) != NULL)
		return json_incref(ann);
	out = json_is_object(ann) ? json_copy(ann) : json_object();
	if (out == NULL)
		return NULL;
	json_object_set_new(out, aws_key(cfg, "role-arn", akey, sizeof(akey)), json_string(role));
	if (json_string_value(get_nocase(e, "Audience")) != NULL &&
	    json_string_value(get_nocase(e, "Audience"))[0] != '\0')
		json_object_set(out, aws_key(cfg, "audience", akey, sizeof(akey)), get_nocase(e, "Audience"));
	if (json_is_boolean(get_nocase(e, "UseRegionalSTS")))
		json_object_set_new(out, aws_key(cfg, "sts-regional-endpoints", akey, sizeof(akey)),
				    json_string(json_is_true(get_nocase(e, "UseRegionalSTS")) ? "true" : "false"));
	if (json_integer_value(get_nocase(e, "TokenExpiration")) > 0) {
		char n[32];

		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(get_nocase(e, "TokenExpiration")));
		json_object_set_new(out, aws_key(cfg, "token-expiration", akey, sizeof(akey)), json_string(n));
	}
	return out;
}

bool wh_body_bounded(const char *body, size_t len, char *why, size_t whylen)
{
	size_t values = 1;
	bool in_string = false;

	/* Every value after the first follows a '[', '{', ',' or ':' outside a string; ':' starts a
	 * member's value whose name was already counted after '{' or ','. Over-counts by the names,
	 * which is the safe side. */
	for (size_t i = 0; i < len; i++) {
		char ch = body[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '[' || ch == '{' || ch == ',' || ch == ':') {
			if (++values > WH_MAX_VALUES) {
				snprintf(why, whylen, "the review holds more than %d JSON values (%zu bytes)",
					 WH_MAX_VALUES, len);
				return false;
			}
		}
	}
	return true;
}

/* The AWS identity a ServiceAccount's role-arn annotation (v) asks for, by the EKS webhook's
 * rules: audience, regional STS, token expiration (SA's, then pod's), Windows paths, skipped or
 * included containers, the region. False when out of memory. */
static bool aws_identity(const wh_cfg *cfg, const json_t *ann, const json_t *pod, const char *uid, const char *v,
			 pod_identity *id, char **composed, char *warning, size_t warnlen)
{
	char key[256];
	const json_t *pod_ann = json_object_get(json_object_get(pod, "metadata"), "annotations");
	const json_t *sel = json_object_get(json_object_get(pod, "spec"), "nodeSelector");
	const char *aud = json_string_value(json_object_get(ann, aws_key(cfg, "audience", key, sizeof(key))));
	const char *reg =
	    json_string_value(json_object_get(ann, aws_key(cfg, "sts-regional-endpoints", key, sizeof(key))));
	const char *skip =
	    json_string_value(json_object_get(pod_ann, aws_key(cfg, "skip-containers", key, sizeof(key))));
	const char *os = json_string_value(json_object_get(sel, "kubernetes.io/os"));
	const char *beta_os = json_string_value(json_object_get(sel, "beta.kubernetes.io/os"));
	long exp = cfg->token_expiration > 0 ? cfg->token_expiration : 86400;

	/* The ServiceAccount's token-expiration, then the pod's, override the default. */
	exp = parse_seconds(json_string_value(json_object_get(ann, aws_key(cfg, "token-expiration", key, sizeof(key)))),
			    exp);
	exp = parse_seconds(
	    json_string_value(json_object_get(pod_ann, aws_key(cfg, "token-expiration", key, sizeof(key)))), exp);
	id->cloud = POD_AWS;
	id->role_arn = v;
	if (strncmp(v, "arn:", 4) != 0 && cfg->role_account != NULL) {
		/* A bare role name (or path/name): composed in the region's partition. */
		const aws_partition *part = cfg->region != NULL ? aws_partition_of(cfg->region, NULL) : NULL;

		/* On the heap: an IAM path (512) and name (64) do not fit a fixed buffer of a few
		 * hundred bytes, and a cut ARN would name another role. */
		free(*composed);
		if (asprintf(composed, "arn:%s:iam::%s:role/%s", (part != NULL ? part : aws_partition_default())->id,
			     cfg->role_account, v) < 0) {
			*composed = NULL;
			return false;
		}
		id->role_arn = *composed;
	}
	id->audience = aud != NULL ? aud : cfg->token_audience != NULL ? cfg->token_audience : "sts.amazonaws.com";
	id->regional_sts = wh_parse_bool(reg, cfg->regional_sts);
	id->expiration = pod_clamp_expiration(exp);
	id->region = cfg->region;
	id->mount_path = cfg->mount_path;
	id->windows =
	    (os != NULL && strcmp(os, "windows") == 0) || (beta_os != NULL && strcmp(beta_os, "windows") == 0);
	{
		/* STS of one partition cannot assume a role of another: say so, the pod still gets the
		 * identity it asked for. */
		sao_err aerr = {""};
		const aws_partition *part = cfg->region != NULL ? aws_partition_of(cfg->region, NULL) : NULL;

		if (part != NULL && !aws_arn_check(WH_AWS_ROLE, id->role_arn, part, cfg->region, &aerr))
			snprintf(warning, warnlen, "review %s: %s", uid, aerr.msg);
	}
	csv_names(skip, &id->skip);
	csv_names(json_string_value(json_object_get(pod_ann, WH_INCLUDE)), &id->only);
	if (json_string_value(json_object_get(ann, WH_AWS_REGION)) != NULL)
		id->region = json_string_value(json_object_get(ann, WH_AWS_REGION));
	return true;
}

/* The work and the answer grow with the containers: a pod with more than WH_MAX_CONTAINERS is
 * answered before anything else (allowed unchanged with a warning, or denied). NULL: within. */
static json_t *over_containers(const char *uid, const json_t *pod, const wh_cfg *cfg, char *warning, size_t warnlen)
{
	const json_t *spec = json_object_get(pod, "spec");
	size_t nc = json_array_size(json_object_get(spec, "containers")) +
		    json_array_size(json_object_get(spec, "initContainers"));
	char msg[200];

	if (nc <= WH_MAX_CONTAINERS)
		return NULL;
	snprintf(msg, sizeof(msg),
		 "saoidc: the pod has %zu containers and init containers; at most %d are given a cloud identity", nc,
		 WH_MAX_CONTAINERS);
	snprintf(warning, warnlen, "review %s: %s", uid, msg + 8);
	return response(uid, !cfg->deny_malformed, NULL, msg);
}

/* The Azure and GCP identities the ServiceAccount's annotations ask for, from out[0]; how many. */
static size_t azure_gcp_identities(const wh_cfg *cfg, const json_t *ann, pod_identity *out)
{
	const char *v;
	size_t n = 0;

	if ((v = json_string_value(json_object_get(ann, WH_AZURE_CLIENT))) != NULL) {
		pod_identity *id = &out[n++];

		id->cloud = POD_AZURE;
		id->client_id = v;
		id->tenant_id = json_string_value(json_object_get(ann, WH_AZURE_TENANT));
		if (id->tenant_id == NULL)
			id->tenant_id = cfg->azure_tenant;
	}
	if ((v = json_string_value(json_object_get(ann, WH_GCP_CONFIG))) != NULL &&
	    json_string_value(json_object_get(ann, WH_GCP_AUDIENCE)) != NULL) {
		pod_identity *id = &out[n++];

		id->cloud = POD_GCP;
		id->config_map = v;
		id->audience = json_string_value(json_object_get(ann, WH_GCP_AUDIENCE));
	}
	return n;
}

/* Every identity's JSON Patch operations, in turn. One identity patches the pod as it came;
 * several patch a copy in turn, so each sees what the previous one added (a 3 MB pod is not
 * copied for nothing). NULL when out of memory. */
static json_t *patch_ops(json_t *pod, pod_identity *ids, size_t nids)
{
	json_t *work = nids > 1 ? json_deep_copy(pod) : json_incref(pod), *all = json_array();

	for (size_t i = 0; work != NULL && all != NULL && i < nids; i++) {
		json_t *ops = pod_json_patch(work, &ids[i]);

		if (ops != NULL) {
			if (i + 1 < nids)
				pod_apply_ops(work, ops);
			append_all(all, ops);
			json_decref(ops);
		}
	}
	json_decref(work);
	return all;
}

json_t *wh_review(const char *body, size_t len, const wh_cfg *cfg, wh_sa_lookup lookup, void *ctx, char *warning,
		  size_t warnlen)
{
	json_t *rev = json_loadb(body, len, 0, NULL), *req, *pod, *ann = NULL, *all = NULL, *out = NULL;
	const char *uid, *kind, *ns, *sa, *v;
	char lerr[256] = "", key[256], *composed = NULL;
	pod_identity ids[3];
	size_t nids = 0;

	warning[0] = '\0';
	req = json_object_get(rev, "request");
	uid = json_string_value(json_object_get(req, "uid"));
	if (!json_is_object(rev) || !json_is_object(req) || uid == NULL ||
	    strcmp(json_string_value(json_object_get(rev, "kind")) ? json_string_value(json_object_get(rev, "kind"))
								   : "",
		   "AdmissionReview") != 0) {
		snprintf(warning, warnlen, "malformed AdmissionReview (%zu bytes)", len);
		out = response(uid, !cfg->deny_malformed, NULL,
			       cfg->deny_malformed ? "saoidc: malformed AdmissionReview" : NULL);
		goto done;
	}
	kind = json_string_value(json_object_get(json_object_get(req, "kind"), "kind"));
	pod = json_object_get(req, "object");
	if (kind == NULL ||
	    (strcmp(kind, "Pod") == 0 && (!json_is_object(pod) || !json_is_object(json_object_get(pod, "spec"))))) {
		snprintf(warning, warnlen, "review %s: malformed AdmissionReview: no Pod in the request", uid);
		out = response(uid, !cfg->deny_malformed, NULL,
			       cfg->deny_malformed ? "saoidc: malformed AdmissionReview" : NULL);
		goto done;
	}
	if (strcmp(kind, "Pod") != 0) {
		out = response(uid, true, NULL, NULL);
		goto done;
	}
	if ((out = over_containers(uid, pod, cfg, warning, warnlen)) != NULL)
		goto done;
	ns = json_string_value(json_object_get(req, "namespace"));
	if (ns == NULL)
		ns = json_string_value(json_object_get(json_object_get(pod, "metadata"), "namespace"));
	sa = json_string_value(json_object_get(json_object_get(pod, "spec"), "serviceAccountName"));
	if (sa == NULL)
		sa = "default";
	/* The names go into an API URL: only what Kubernetes itself allows. */
	if (ns == NULL) {
		out = response(uid, true, NULL, NULL);
		goto done;
	}
	if (!dns_name(ns, 63, false) || !dns_name(sa, 253, true)) {
		snprintf(warning, warnlen,
			 "review %s: refused: namespace or serviceAccountName is not a Kubernetes name", uid);
		out = response(
		    uid, false, NULL,
		    "saoidc: the namespace must be a DNS-1123 label and serviceAccountName a DNS-1123 subdomain");
		goto done;
	}
	ann = lookup(ctx, ns, sa, lerr, sizeof(lerr));
	if (ann == NULL) {
		char msg[400];

		if (lerr[0] == '\0') {
			out = response(uid, true, NULL, NULL);
			goto done;
		}
		snprintf(warning, warnlen, "review %s: ServiceAccount %s/%s: %s; admitted without a cloud identity",
			 uid, ns, sa, lerr);
		snprintf(
		    msg, sizeof(msg),
		    "saoidc: ServiceAccount %s/%s could not be read (%.200s); the pod was admitted without its cloud "
		    "identity: recreate it once that is fixed",
		    ns, sa, lerr);
		out = response(uid, true, NULL, msg);
		goto done;
	}
	memset(ids, 0, sizeof(ids));
	if ((v = json_string_value(json_object_get(ann, aws_key(cfg, "role-arn", key, sizeof(key))))) != NULL &&
	    !aws_identity(cfg, ann, pod, uid, v, &ids[nids++], &composed, warning, warnlen))
		goto done; /* out == NULL: out of memory */
	nids += azure_gcp_identities(cfg, ann, &ids[nids]);
	for (size_t i = 0; i < nids; i++) /* the first identity sets it; the next ones then see it set */
		ids[i].fs_group = parse_seconds(json_string_value(json_object_get(ann, WH_FS_GROUP)), 0);
	all = patch_ops(pod, ids, nids);
	out = response(uid, true, all, NULL);
	for (size_t i = 0; i < nids; i++) {
		strlist_clear(&ids[i].skip);
		strlist_clear(&ids[i].only);
	}
done:
	free(composed);
	json_decref(all);
	json_decref(ann);
	json_decref(rev);
	return out;
}
