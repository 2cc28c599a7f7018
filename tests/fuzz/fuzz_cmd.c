/* libFuzzer target: the command layer end to end, as a user runs it, on hostile files and
 * arguments: `token decode`, `token verify` (JWKS and token from the input), `jwks` and
 * `inspect --json` on a key file, and `pod-patch` with arguments taken from the input. Nothing
 * here reaches the network: every path given is a local file. The first byte picks the
 * command; stdout is discarded (run.sh closes it with -close_fd_mask). */
#include "config.h"

#include "cmd/cmds.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		abort();
	if (n > 0 && fwrite(d, 1, n, f) != n)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[64], b[64];
	const uint8_t *sep;
	size_t na;

	if (size < 1)
		return 0;
	snprintf(a, sizeof(a), "/tmp/saoidc-fuzz-cmd-%ld-a", (long)getpid());
	snprintf(b, sizeof(b), "/tmp/saoidc-fuzz-cmd-%ld-b", (long)getpid());
	/* The input after the selector: one file, or two split at the first NUL. */
	sep = memchr(data + 1, 0, size - 1);
	na = sep != NULL ? (size_t)(sep - (data + 1)) : size - 1;
	switch (data[0] % 6) {
	case 0: {
		char *argv[] = {"token", "decode", a, NULL};

		put(a, data + 1, size - 1);
		cmd_token(3, argv);
		break;
	}
	case 1: {
		char *argv[] = {"token", "verify", "--jwks", a, "--token", b, "--issuer", "https://oidc.example.com/c",
				NULL};

		put(a, data + 1, na);
		put(b, sep != NULL ? sep + 1 : data + size, sep != NULL ? size - 1 - na - 1 : 0);
		cmd_token(8, argv);
		break;
	}
	case 2: {
		char *argv[] = {"jwks", "--key", a, NULL};

		put(a, data + 1, size - 1);
		cmd_jwks(3, argv);
		break;
	}
	case 3: {
		char *argv[] = {"inspect", "--key", a, "--json", NULL};

		put(a, data + 1, size - 1);
		cmd_inspect(4, argv);
		break;
	}
	case 4: {
		char *argv[] = {"discovery", "--issuer", "https://oidc.example.com/c", "--key", a, NULL};

		put(a, data + 1, size - 1);
		cmd_discovery(5, argv);
		break;
	}
	default: {
		/* pod-patch with up to 15 NUL-separated arguments from the input. */
		char *copy = malloc(size), *argv[17];
		int argc = 1;

		if (copy == NULL)
			return 0;
		memcpy(copy, data + 1, size - 1);
		copy[size - 1] = '\0';
		argv[0] = "pod-patch";
		for (char *p = copy; argc < 16 && p < copy + size - 1; p += strlen(p) + 1)
			argv[argc++] = p;
		argv[argc] = NULL;
		cmd_pod_patch(argc, argv);
		free(copy);
		break;
	}
	}
	unlink(a);
	unlink(b);
	return 0;
}
