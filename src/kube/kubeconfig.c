#include "config.h"

#include "kube/kubeconfig.h"

#include "util/b64.h"
#include "util/jsonx.h"
#include "util/fsio.h"
#include "util/proc.h"
#include "util/yaml.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXEC_OUT_MAX (64 * 1024)
#define EXEC_DEADLINE_MS 60000L /* kubectl has none; a plugin that hangs must not hang saoidc */

void kube_conn_clear(kube_conn *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->ca_pem);
	str_free_secret(c->token);
	free(c->cert_pem);
	str_free_secret(c->key_pem);
	free(c->where);
	memset(c, 0, sizeof(*c));
}

/* The list entry of that name (whole, for its source-file). */
static const json_t *entry(const json_t *list, const char *name)
{
	return jsonx_find(list, "name", name);
}

/* A *-data field: base64 of PEM text. */
static char *pem_data(const char *b64, const char *what, sao_err *err)
{
	unsigned char *d = NULL;
	size_t n = 0;
	char *out;

	if (!b64_decode(b64, strlen(b64), &d, &n)) {
		err_set(err, "%s is not base64", what);
		return NULL;
	}
	out = malloc(n + 1);
	if (out == NULL) {
		OPENSSL_clear_free(d, n);
		err_set(err, "out of memory");
		return NULL;
	}
	memcpy(out, d, n);
	out[n] = '\0';
	OPENSSL_clear_free(d, n);
	return out;
}

/* A file a kubeconfig names: relative paths are relative to the kubeconfig's directory. */
static char *file_text(const char *cfgfile, const char *path, const char *what, sao_err *err)
{
	char *full = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	const char *slash = strrchr(cfgfile, '/');

	if (path[0] == '/' || slash == NULL)
		full = strdup(path);
	else if (asprintf(&full, "%.*s/%s", (int)(slash - cfgfile), cfgfile, path) < 0)
		full = NULL;
	if (full == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (!fs_read_file(full, 1024 * 1024, &buf, &n, err))
		err_prefix(err, "%s %s: ", what, full);
	free(full);
	return (char *)buf;
}

extern char **environ;

/* The plugin's environment, built before fork: ours, with KUBERNETES_EXEC_INFO and the
 * kubeconfig's env entries set (replacing ours of the same name). NULL when out of memory. */
static char **exec_env(const json_t *env, const char *info)
{
	size_t n = 0, k = 0, extra = json_array_size(env) + 1;
	char **out;

	while (environ[n] != NULL)
		n++;
	if ((out = calloc(n + extra + 1, sizeof(*out))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t nl = strcspn(environ[i], "=");
		bool replaced = strncmp(environ[i], "KUBERNETES_EXEC_INFO", nl) == 0 && nl == 20;
		size_t j;
		const json_t *e;

		json_array_foreach(env, j, e)
		{
			const char *name = json_string_value(json_object_get(e, "name"));

			if (name != NULL && strlen(name) == nl && strncmp(environ[i], name, nl) == 0)
				replaced = true;
		}
		if (!replaced && (out[k++] = strdup(environ[i])) == NULL)
			goto oom;
	}
	if (asprintf(&out[k], "KUBERNETES_EXEC_INFO=%s", info) < 0) {
		out[k] = NULL;
		goto oom;
	}
	k++;
	{
		size_t j;
		const json_t *e;

		json_array_foreach(env, j, e)
		{
			const char *name = json_string_value(json_object_get(e, "name"));
			const char *value = json_string_value(json_object_get(e, "value"));

			if (name == NULL || value == NULL)
				continue;
			if (asprintf(&out[k], "%s=%s", name, value) < 0) {
				out[k] = NULL;
				goto oom;
			}
			k++;
		}
	}
	return out;
oom:
	for (size_t i = 0; i < k; i++)
		free(out[i]);
	free(out);
	return NULL;
}

/* Runs an exec credential plugin (command, args, env) and reads its ExecCredential, within
 * EXEC_DEADLINE_MS and EXEC_OUT_MAX bytes (util/proc). */
static bool run_exec(const json_t *ex, const char *source_file, kube_conn *out, sao_err *err)
{
	const char *cmd = json_string_value(json_object_get(ex, "command"));
	char *resolved = NULL;
	const char *api = json_string_value(json_object_get(ex, "apiVersion"));
	const json_t *args = json_object_get(ex, "args"), *env = json_object_get(ex, "env");
	size_t nargs = json_array_size(args), n = 0;
	char **argv = NULL, **envp = NULL, *info = NULL, *buf = NULL;
	json_t *cred = NULL, *ij;
	const json_t *st;
	bool ok = false;

	if (cmd == NULL)
		return err_set(err, "users[].user.exec has no command");
	/* As client-go does: a command with a slash that is not absolute is next to the kubeconfig
	 * that names it, never in the working directory (which someone else may be able to write). */
	if (cmd[0] != '/' && strchr(cmd, '/') != NULL && source_file != NULL) {
		const char *slash = strrchr(source_file, '/');

		if (asprintf(&resolved, "%.*s%s", slash != NULL ? (int)(slash - source_file + 1) : 0, source_file,
			     cmd) < 0)
			return err_set(err, "out of memory");
		cmd = resolved;
	}
	if (api == NULL)
		api = "client.authentication.k8s.io/v1";
	argv = calloc(nargs + 2, sizeof(*argv));
	/* Built by jansson, so whatever the kubeconfig's apiVersion holds stays a JSON string. */
	ij = json_pack("{s:s, s:s, s:{s:b}}", "apiVersion", api, "kind", "ExecCredential", "spec", "interactive", 0);
	info = ij != NULL ? json_dumps(ij, JSON_COMPACT) : NULL;
	json_decref(ij);
	if (argv == NULL || info == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	argv[0] = (char *)cmd;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = (char *)(json_string_value(json_array_get(args, i)) != NULL
					   ? json_string_value(json_array_get(args, i))
					   : "");
	if ((envp = exec_env(env, info)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!proc_run(cmd, argv, envp, EXEC_DEADLINE_MS, EXEC_OUT_MAX, &buf, &n, err)) {
		err_prefix(err, "kubeconfig exec plugin ");
		goto out;
	}
	cred = json_loadb(buf, n, 0, NULL);
	st = json_object_get(cred, "status");
	if (json_string_value(json_object_get(st, "token")) != NULL) {
		out->token = strdup(json_string_value(json_object_get(st, "token")));
		ok = out->token != NULL || err_set(err, "out of memory");
	} else if (json_string_value(json_object_get(st, "clientCertificateData")) != NULL &&
		   json_string_value(json_object_get(st, "clientKeyData")) != NULL) {
		out->cert_pem = strdup(json_string_value(json_object_get(st, "clientCertificateData")));
		out->key_pem = strdup(json_string_value(json_object_get(st, "clientKeyData")));
		ok = (out->cert_pem != NULL && out->key_pem != NULL) || err_set(err, "out of memory");
	} else {
		err_set(err,
			"kubeconfig exec plugin %s printed no ExecCredential with status.token or "
			"status.clientCertificateData",
			cmd);
	}
out:
	json_decref(cred);
	proc_output_free(buf, n);
	free(info);
	free(argv);
	free(resolved);
	for (char **e = envp; e != NULL && *e != NULL; e++)
		free(*e);
	free(envp);
	return ok;
}

/* Merges one kubeconfig file into `all` as kubectl does: the first current-context, and the
 * first entry of each name, win. */
static bool merge(json_t *all, const char *file, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t n = 0;
	json_t *doc;
	static const char *const lists[] = {"clusters", "users", "contexts"};

	if (!fs_read_file(file, 4 * 1024 * 1024, &buf, &n, err)) {
		err_prefix(err, "kubeconfig %s: ", file);
		return false;
	}
	doc = yaml_to_json((const char *)buf, n, err);
	OPENSSL_clear_free(buf, n + 1);
	if (doc == NULL || !json_is_object(doc)) {
		json_decref(doc);
		err_prefix(err, "kubeconfig %s: ", file);
		return false;
	}
	if (json_object_get(all, "current-context") == NULL &&
	    json_string_value(json_object_get(doc, "current-context")) != NULL &&
	    json_string_value(json_object_get(doc, "current-context"))[0] != '\0')
		json_object_set(all, "current-context", json_object_get(doc, "current-context"));
	for (size_t l = 0; l < 3; l++) {
		json_t *dst = json_object_get(all, lists[l]);
		size_t i;
		json_t *e;

		json_array_foreach(json_object_get(doc, lists[l]), i, e)
		{
			const char *name = json_string_value(json_object_get(e, "name"));
			json_t *copy;

			if (name == NULL || entry(dst, name) != NULL)
				continue;
			copy = json_deep_copy(e);
			json_object_set_new(copy, "source-file", json_string(file)); /* for relative paths */
			json_array_append_new(dst, copy);
		}
	}
	json_decref(doc);
	return true;
}

bool kubeconfig_load(const char *files, const char *context, kube_conn *out, sao_err *err)
{
	char *list = NULL, *save = NULL, *home_cfg = NULL;
	json_t *all = json_pack("{s:[], s:[], s:[]}", "clusters", "users", "contexts");
	const json_t *ctx, *ce, *cl, *ue, *us;
	const char *cname, *clname, *uname, *v, *cfile, *ufile;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (files == NULL)
		files = getenv("KUBECONFIG");
	if (files == NULL || files[0] == '\0') {
		const char *home = getenv("HOME");

		if (home == NULL || asprintf(&home_cfg, "%s/.kube/config", home) < 0) {
			err_set(err, "no KUBECONFIG and no HOME: give --kube-api or --kubeconfig");
			goto out;
		}
		files = home_cfg;
	}
	if (all == NULL || (list = strdup(files)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (char *f = strtok_r(list, ":", &save); f != NULL; f = strtok_r(NULL, ":", &save))
		if (!merge(all, f, err))
			goto out;
	cname = context != NULL ? context : json_string_value(json_object_get(all, "current-context"));
	if (cname == NULL) {
		err_set(err, "kubeconfig %s has no current-context: give --context", files);
		goto out;
	}
	if ((ce = entry(json_object_get(all, "contexts"), cname)) == NULL ||
	    !json_is_object(ctx = json_object_get(ce, "context"))) {
		err_set(err, "kubeconfig %s has no context %s", files, cname);
		goto out;
	}
	clname = json_string_value(json_object_get(ctx, "cluster"));
	uname = json_string_value(json_object_get(ctx, "user"));
	if (clname == NULL || (cl = entry(json_object_get(all, "clusters"), clname)) == NULL ||
	    !json_is_object(json_object_get(cl, "cluster"))) {
		err_set(err, "kubeconfig context %s: no cluster %s", cname, clname != NULL ? clname : "(none)");
		goto out;
	}
	cfile = json_string_value(json_object_get(cl, "source-file"));
	cl = json_object_get(cl, "cluster");
	if (asprintf(&out->where, "kubeconfig %s, context %s", files, cname) < 0) {
		out->where = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if ((v = json_string_value(json_object_get(cl, "server"))) == NULL) {
		err_set(err, "%s: cluster %s has no server", out->where, clname);
		goto out;
	}
	out->server = strdup(v);
	v = json_string_value(json_object_get(cl, "insecure-skip-tls-verify"));
	out->insecure = v != NULL && strcmp(v, "true") == 0;
	if ((v = json_string_value(json_object_get(cl, "certificate-authority-data"))) != NULL) {
		if ((out->ca_pem = pem_data(v, "certificate-authority-data", err)) == NULL)
			goto out;
	} else if ((v = json_string_value(json_object_get(cl, "certificate-authority"))) != NULL) {
		if ((out->ca_pem = file_text(cfile, v, "certificate-authority", err)) == NULL)
			goto out;
	}
	if (uname != NULL && (ue = entry(json_object_get(all, "users"), uname)) != NULL &&
	    json_is_object(us = json_object_get(ue, "user"))) {
		ufile = json_string_value(json_object_get(ue, "source-file"));
		if ((v = json_string_value(json_object_get(us, "token"))) != NULL) {
			out->token = strdup(v);
		} else if ((v = json_string_value(json_object_get(us, "tokenFile"))) != NULL) {
			if ((out->token = file_text(ufile, v, "tokenFile", err)) == NULL)
				goto out;
			out->token[strcspn(out->token, "\r\n")] = '\0';
		}
		if ((v = json_string_value(json_object_get(us, "client-certificate-data"))) != NULL) {
			if ((out->cert_pem = pem_data(v, "client-certificate-data", err)) == NULL)
				goto out;
		} else if ((v = json_string_value(json_object_get(us, "client-certificate"))) != NULL) {
			if ((out->cert_pem = file_text(ufile, v, "client-certificate", err)) == NULL)
				goto out;
		}
		if ((v = json_string_value(json_object_get(us, "client-key-data"))) != NULL) {
			if ((out->key_pem = pem_data(v, "client-key-data", err)) == NULL)
				goto out;
		} else if ((v = json_string_value(json_object_get(us, "client-key"))) != NULL) {
			if ((out->key_pem = file_text(ufile, v, "client-key", err)) == NULL)
				goto out;
		}
		if (out->token == NULL && out->cert_pem == NULL && json_is_object(json_object_get(us, "exec")) &&
		    !run_exec(json_object_get(us, "exec"), ufile, out, err)) {
			err_prefix(err, "%s: user %s: ", out->where, uname);
			goto out;
		}
		if (json_object_get(us, "auth-provider") != NULL && out->token == NULL && out->cert_pem == NULL) {
			err_set(
			    err,
			    "%s: user %s uses an auth-provider, which kubectl itself no longer supports: use an exec "
			    "plugin",
			    out->where, uname);
			goto out;
		}
	}
	if (out->server == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	if (!ok)
		kube_conn_clear(out);
	json_decref(all);
	free(list);
	free(home_cfg);
	return ok;
}
