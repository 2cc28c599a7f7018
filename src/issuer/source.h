/* source: where an issuer's keys come from, made into its documents. Key files, directories,
 * Secrets (`kube://NS/NAME`) and stdin through jose/keys, or the API server's own documents
 * (--from-apiserver), rendered as kube-apiserver renders them; and `serve --issuers`' file, each
 * issuer's source in turn. Every command that reads keys comes through here. It logs the
 * warnings a reader of the keys must see (a CA certificate published on purpose, an http
 * issuer); errors go back to the caller. */
#ifndef SAOIDC_SOURCE_H
#define SAOIDC_SOURCE_H

#include "jose/docs.h"
#include "jose/keys.h"
#include "kube/kube.h"
#include "server/serve.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct src_cfg {
	const char *const *keys; /* --key: files, directories, kube://NS/NAME, "-" */
	size_t nkeys;
	const kube_api *kube;	/* for kube:// and --from-apiserver */
	bool from_apiserver;	/* the API server's documents instead of keys */
	bool allow_certificate; /* --allow-certificate */
	bool retire_cluster;	/* --retire-cluster: no source, an empty JWKS */
	const docs_cfg *docs;	/* the issuer and the documents' options */
} src_cfg;

/* Every key of the source, or NULL with err naming the input at fault. */
key_set *src_load_keys(const src_cfg *s, sao_err *err);

/* The documents for keys already loaded. */
bool src_render_docs(const src_cfg *s, const key_set *keys, docs *d, sao_err *err);

/* The source read now and rendered; *nkeys is how many keys it held. */
bool src_build_docs(const src_cfg *s, docs *d, size_t *nkeys, sao_err *err);

/* `serve --issuers FILE` read now: each issuer's documents from its own keys (the other options,
 * the --kube-* ones and --allow-certificate, from `base`). The file and every key file it names
 * go into `files`, to watch. An error names the entry. */
bool src_sites_load(const char *path, const src_cfg *base, serve_site **out, size_t *n, strlist *files, sao_err *err);

/* The kube:// sources the file names now, to watch. */
bool src_sites_kube(const char *path, strlist *kube, sao_err *err);

#endif
