/* Unit tests for src/util/cpus.c: the cgroup CPU quota parser, and the count being within the
 * affinity mask. */
#include "config.h"

#include "util/cpus.h"
#include "../tap.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (mkdir(path, 0700) != 0) {
		perror(path);
		exit(1);
	}
}

int main(void)
{
	cpu_set_t set;
	char root[] = "/tmp/saoidc-cpus-XXXXXX";
	char cmd[64];

	is_int(cpus_from_cpu_max("max 100000\n"), 0, "cpu.max \"max\": no quota");
	is_int(cpus_from_cpu_max("100000 100000\n"), 1, "one full CPU");
	is_int(cpus_from_cpu_max("50000 100000\n"), 1, "500m rounds up to one");
	is_int(cpus_from_cpu_max("150000 100000\n"), 2, "1500m rounds up to two");
	is_int(cpus_from_cpu_max("400000 100000"), 4, "four CPUs, no newline");
	is_int(cpus_from_cpu_max("1 1000000"), 1, "a tiny quota still gives one");
	is_int(cpus_from_cpu_max("-1 100000"), 0, "a negative quota (v1 style) is no quota");
	is_int(cpus_from_cpu_max("100000 0"), 0, "a zero period is not a quota");
	is_int(cpus_from_cpu_max(""), 0, "empty text (no cpu.max file)");
	is_int(cpus_from_cpu_max("garbage"), 0, "garbage");
	is_int(cpus_from_cpu_max("100000"), 0, "a quota without a period");

	is_int(cpus_from_cpu_max("9223372036854775807 1"), 65536, "an absurd quota is capped, no overflow");

	/* A cgroup v2 tree as Kubernetes lays it out: the tightest quota on the way up wins. */
	if (mkdtemp(root) == NULL)
		return 1;
	mkdirs(root, "/kubepods");
	mkdirs(root, "/kubepods/pod1");
	mkdirs(root, "/kubepods/pod1/ctr");
	put(root, "/kubepods/cpu.max", "max 100000\n");
	put(root, "/kubepods/pod1/cpu.max", "300000 100000\n");
	put(root, "/kubepods/pod1/ctr/cpu.max", "max 100000\n");
	is_int(cpus_cgroup_v2(root, "12:cpu:/x\n0::/kubepods/pod1/ctr\n"), 3,
	       "v2: the pod's limit above a container without one");
	put(root, "/kubepods/pod1/ctr/cpu.max", "50000 100000\n");
	is_int(cpus_cgroup_v2(root, "0::/kubepods/pod1/ctr"), 1, "v2: the container's 500m under the pod's 3");
	is_int(cpus_cgroup_v2(root, "0::/\n"), 0, "v2: the root without cpu.max: no quota");
	is_int(cpus_cgroup_v2(root, "1:name=systemd:/\n"), 0, "no unified hierarchy: no v2 quota");
	is_int(cpus_cgroup_v2(root, "0::/elsewhere\n"), 0, "v2: a cgroup that is not mounted: no quota");
	is_int(cpus_cgroup_v1(root), 0, "v1: no cpu controller: no quota");
	mkdirs(root, "/cpu");
	put(root, "/cpu/cpu.cfs_quota_us", "-1\n");
	put(root, "/cpu/cpu.cfs_period_us", "100000\n");
	is_int(cpus_cgroup_v1(root), 0, "v1: quota -1 is no quota");
	put(root, "/cpu/cpu.cfs_quota_us", "250000\n");
	is_int(cpus_cgroup_v1(root), 3, "v1: 2.5 CPUs round up to 3");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		return 1;

	ok(cpus_usable(NULL) >= 1, "at least one CPU is usable");
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		ok(cpus_usable(NULL) <= (unsigned)CPU_COUNT(&set), "no more than the affinity mask allows (%d)",
		   CPU_COUNT(&set));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		is_int(cpus_usable(NULL), 1, "pinned to one CPU: one");
	return tap_done();
}
