/* libFuzzer target: the file of serve --issuers (JSON or YAML), parsed and checked
 * (server/issuers), and a snapshot's routing of requests by Host and path (server/snapshot)
 * for what it lists. */
#include "config.h"

#include "server/issuers.h"
#include "server/snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iss_list l = {0};
	sao_err err = {""};
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (iss_parse(text, size, "fuzz.yaml", &l, &err)) {
		docs d = {.discovery = "{}", .discovery_len = 2, .jwks = "{\"keys\":[]}", .jwks_len = 11};
		snap_site *ss = calloc(l.n, sizeof(*ss));
		snapshot *sn = NULL;

		for (size_t i = 0; ss != NULL && i < l.n; i++)
			ss[i] = (snap_site){l.v[i].issuer, l.v[i].host, l.v[i].prefix, l.v[i].jwks_path, &d, 1};
		if (ss != NULL && (sn = snap_build(&(snap_cfg){60, false, 1}, ss, l.n, &err)) != NULL) {
			size_t site;

			for (size_t i = 0; i < l.n; i++) {
				(void)snap_route(sn, l.v[i].host, l.v[i].prefix, &site);
				(void)snap_route(sn, l.v[i].host, l.v[i].jwks_path, &site);
			}
			(void)snap_route(sn, NULL, "/keys.json", &site);
			free(snap_metrics_text(sn));
		}
		snap_free(sn);
		free(ss);
	}
	iss_list_clear(&l);
	free(text);
	return 0;
}
