#include "config.h"

#include "pod/webhook.h"

#include "aws/endpoint.h"

#include "util/b64.h"
#include "pod/podspec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *response(const char *uid, bool allowed, const json_t *patch, const char *message)
{
	json_t *resp = json_pack("{s:s, s:b}", "uid", uid != NULL ? uid : "", "allowed", allowed);

	if (resp == NULL)
		return NULL;
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
		json_object_set_new(resp, "status", json_pack("{s:s, s:i}", "message", message, "code", allowed ? 200 : 400));
	return json_pack("{s:s, s:s, s:o}", "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "response",
			 resp);
}

/* Applies our own "add" operations (object member, or array append with "-") to `doc`, so that
 * the next identity's patch is computed against the pod as it will be. */
static void apply_adds(json_t *doc, const json_t *ops)
{
	size_t i;
	json_t *op;

	json_array_foreach(ops, i, op) {
		char *path = strdup(json_string_value(json_object_get(op, "path")));
		json_t *cur = doc, *val = json_object_get(op, "value");
		char *save = NULL, *tok = strtok_r(path + 1, "/", &save);

		while (tok != NULL && cur != NULL) {
			char *next = strtok_r(NULL, "/", &save);

			if (next == NULL) {
				/* Copies: the ops keep their own values, or a later append would show in them. */
				if (strcmp(tok, "-") == 0 && json_is_array(cur))
					json_array_append_new(cur, json_deep_copy(val));
				else if (json_is_object(cur))
					json_object_set_new(cur, tok, json_deep_copy(val));
			} else {
				cur = json_is_array(cur) ? json_array_get(cur, (size_t)strtoul(tok, NULL, 10)) : json_object_get(cur, tok);
			}
			tok = next;
		}
		free(path);
	}
}

static void append_all(json_t *dst, const json_t *src)
{
	json_array_extend(dst, (json_t *)src);
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
				snprintf(why, whylen, "the review holds more than %d JSON values (%zu bytes)", WH_MAX_VALUES, len);
				return false;
			}
		}
	}
	return true;
}

json_t *wh_review(const char *body, size_t len, const wh_cfg *cfg, wh_sa_lookup lookup, void *ctx, char *warning,
		  size_t warnlen)
{
	json_t *rev = json_loadb(body, len, 0, NULL), *req, *pod, *work = NULL, *ann = NULL, *all = NULL, *out = NULL;
	const char *uid, *kind, *ns, *sa, *v;
	char lerr[256] = "";
	pod_identity ids[3];
	size_t nids = 0;

	warning[0] = '\0';
	req = json_object_get(rev, "request");
	uid = json_string_value(json_object_get(req, "uid"));
	if (!json_is_object(rev) || !json_is_object(req) || uid == NULL ||
	    strcmp(json_string_value(json_object_get(rev, "kind")) ? json_string_value(json_object_get(rev, "kind")) : "",
		   "AdmissionReview") != 0) {
		snprintf(warning, warnlen, "malformed AdmissionReview (%zu bytes)", len);
		out = response(uid, !cfg->deny_malformed, NULL, cfg->deny_malformed ? "saoidc: malformed AdmissionReview" : NULL);
		goto done;
	}
	kind = json_string_value(json_object_get(json_object_get(req, "kind"), "kind"));
	pod = json_object_get(req, "object");
	if (kind == NULL || (strcmp(kind, "Pod") == 0 && (!json_is_object(pod) || !json_is_object(json_object_get(pod, "spec"))))) {
		snprintf(warning, warnlen, "review %s: malformed AdmissionReview: no Pod in the request", uid);
		out = response(uid, !cfg->deny_malformed, NULL, cfg->deny_malformed ? "saoidc: malformed AdmissionReview" : NULL);
		goto done;
	}
	if (strcmp(kind, "Pod") != 0) {
		out = response(uid, true, NULL, NULL);
		goto done;
	}
	ns = json_string_value(json_object_get(req, "namespace"));
	if (ns == NULL)
		ns = json_string_value(json_object_get(json_object_get(pod, "metadata"), "namespace"));
	sa = json_string_value(json_object_get(json_object_get(pod, "spec"), "serviceAccountName"));
	if (sa == NULL)
		sa = "default";
	ann = ns != NULL ? lookup(ctx, ns, sa, lerr, sizeof(lerr)) : NULL;
	if (ann == NULL) {
		if (lerr[0] != '\0')
			snprintf(warning, warnlen, "review %s: ServiceAccount %s/%s: %s", uid, ns ? ns : "?", sa, lerr);
		out = response(uid, true, NULL, NULL);
		goto done;
	}
	memset(ids, 0, sizeof(ids));
	if ((v = json_string_value(json_object_get(ann, WH_AWS_ROLE))) != NULL) {
		const char *exp = json_string_value(json_object_get(ann, WH_AWS_EXPIRATION));
		const char *skip = json_string_value(
			json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"), WH_AWS_SKIP));
		pod_identity *id = &ids[nids++];

		id->cloud = POD_AWS;
		id->role_arn = v;
		id->audience = json_string_value(json_object_get(ann, WH_AWS_AUDIENCE));
		id->regional_sts = json_string_value(json_object_get(ann, WH_AWS_REGIONAL)) != NULL &&
				   strcmp(json_string_value(json_object_get(ann, WH_AWS_REGIONAL)), "true") == 0;
		id->expiration = pod_clamp_expiration(exp != NULL ? strtol(exp, NULL, 10) : 86400);
		id->region = cfg->region;
		{
			/* STS of one partition cannot assume a role of another: say so, the pod still gets the
			 * identity it asked for. */
			sao_err aerr = {""};

			if (!aws_arn_check(WH_AWS_ROLE, v, cfg->region != NULL ? aws_partition_of(cfg->region, NULL) : NULL,
					   cfg->region, &aerr))
				snprintf(warning, warnlen, "review %s: %s", uid, aerr.msg);
		}
		if (skip != NULL) {
			char *s = strdup(skip), *save = NULL;

			for (char *t = s != NULL ? strtok_r(s, ", ", &save) : NULL; t != NULL; t = strtok_r(NULL, ", ", &save))
				strlist_add(&id->skip, t);
			free(s);
		}
	}
	if ((v = json_string_value(json_object_get(ann, WH_AZURE_CLIENT))) != NULL) {
		pod_identity *id = &ids[nids++];

		id->cloud = POD_AZURE;
		id->client_id = v;
		id->tenant_id = json_string_value(json_object_get(ann, WH_AZURE_TENANT));
		if (id->tenant_id == NULL)
			id->tenant_id = cfg->azure_tenant;
	}
	if ((v = json_string_value(json_object_get(ann, WH_GCP_CONFIG))) != NULL &&
	    json_string_value(json_object_get(ann, WH_GCP_AUDIENCE)) != NULL) {
		pod_identity *id = &ids[nids++];

		id->cloud = POD_GCP;
		id->config_map = v;
		id->audience = json_string_value(json_object_get(ann, WH_GCP_AUDIENCE));
	}
	/* One identity patches the pod as it came; several patch a copy in turn, so each sees what
	 * the previous one added (a 3 MB pod is not copied for nothing). */
	work = nids > 1 ? json_deep_copy(pod) : json_incref(pod);
	all = json_array();
	for (size_t i = 0; work != NULL && all != NULL && i < nids; i++) {
		json_t *ops = pod_json_patch(work, &ids[i]);

		if (ops != NULL) {
			if (i + 1 < nids)
				apply_adds(work, ops);
			append_all(all, ops);
			json_decref(ops);
		}
	}
	out = response(uid, true, all, NULL);
	for (size_t i = 0; i < nids; i++)
		strlist_clear(&ids[i].skip);
done:
	json_decref(all);
	json_decref(work);
	json_decref(ann);
	json_decref(rev);
	return out;
}
