#include "config.h"

#include "util/cpus.h"

#include "util/fsio.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

static unsigned quota_cpus(long long quota, long long period)
{
	long long cpus;

	if (quota <= 0 || period <= 0)
		return 0;
	cpus = quota / period + (quota % period != 0);
	return cpus > 65536 ? 65536 : (unsigned)cpus;
}

unsigned cpus_from_cpu_max(const char *text)
{
	long long quota, period;

	if (sscanf(text, "%lld %lld", &quota, &period) != 2) /* "max 100000": no quota */
		return 0;
	return quota_cpus(quota, period);
}

/* A small file's text into buf, or "" when it cannot be read or does not fit. */
static void read_text(const char *path, char *buf, size_t size)
{
	unsigned char *data = NULL;
	size_t len = 0;
	sao_err err;

	buf[0] = '\0';
	if (fs_read_file(path, size - 1, &data, &len, &err))
		memcpy(buf, data, len + 1);
	free(data);
}

static unsigned min_nonzero(unsigned a, unsigned b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

unsigned cpus_cgroup_v2(const char *root, const char *self_cgroup)
{
	char dir[4096], path[sizeof(dir) + 16], text[128];
	const char *line = self_cgroup, *rel;
	size_t rel_len, root_len = strlen(root);
	unsigned cpus = 0;
	char *slash;

	while (line != NULL && strncmp(line, "0::/", 4) != 0) {
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	if (line == NULL)
		return 0;
	rel = line + 3;
	rel_len = strcspn(rel, "\n");
	if (root_len + rel_len >= sizeof(dir))
		return 0;
	snprintf(dir, sizeof(dir), "%s%.*s", root, (int)rel_len, rel);
	do {
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		read_text(path, text, sizeof(text));
		cpus = min_nonzero(cpus, cpus_from_cpu_max(text));
		slash = strrchr(dir + root_len, '/');
		if (slash != NULL)
			*slash = '\0';
	} while (slash != NULL);
	return cpus;
}

unsigned cpus_cgroup_v1(const char *root)
{
	static const char *const ctrl[] = {"cpu,cpuacct", "cpu"};
	char path[4096], text[64];

	for (size_t i = 0; i < sizeof(ctrl) / sizeof(*ctrl); i++) {
		long long quota, period;

		snprintf(path, sizeof(path), "%s/%s/cpu.cfs_quota_us", root, ctrl[i]);
		read_text(path, text, sizeof(text));
		if (sscanf(text, "%lld", &quota) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/cpu.cfs_period_us", root, ctrl[i]);
		read_text(path, text, sizeof(text));
		if (sscanf(text, "%lld", &period) != 1)
			continue;
		return quota_cpus(quota, period);
	}
	return 0;
}

unsigned cpus_usable(const char **source)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned cpus = online > 0 ? (unsigned)online : 1, quota;
	const char *why = "online CPUs";
#ifdef __linux__
	cpu_set_t set;
	char self[8192]; /* the text of /proc/self/cgroup */

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0 && (unsigned)CPU_COUNT(&set) < cpus) {
		cpus = (unsigned)CPU_COUNT(&set);
		why = "affinity mask";
	}
	read_text("/proc/self/cgroup", self, sizeof(self));
	quota = min_nonzero(cpus_cgroup_v2(CGROUP_ROOT, self), cpus_cgroup_v1(CGROUP_ROOT));
	if (quota > 0 && quota < cpus) {
		cpus = quota;
		why = "cgroup CPU quota";
	}
#else
	(void)quota;
	why = "online CPUs; this system has no affinity masks or cgroups saoidc can read: give --threads to "
	      "match a CPU limit";
#endif
	if (source != NULL)
		*source = why;
	return cpus > 0 ? cpus : 1;
}
