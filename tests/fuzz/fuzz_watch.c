/* libFuzzer target: a Kubernetes watch stream as the API server sends it (one JSON event per
 * line: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR), fed to the webhook's ServiceAccount copy
 * (kube/informer) in pieces of every size, then read back. */
#include "config.h"

#include "kube/informer.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kinf *f = kinf_new_detached();
	size_t step = size > 0 ? 1 + data[0] % 64 : 1;
	json_t *ann = NULL;
	kinf_stats st;

	if (f == NULL)
		return 0;
	for (size_t off = 0; off < size; off += step)
		if (!kinf_feed(f, (const char *)data + off, size - off < step ? size - off : step))
			break;
	kinf_annotations(f, "apps", "sa", &ann);
	json_decref(ann);
	kinf_stats_get(f, &st);
	kinf_stop(f);
	return 0;
}
