/* cpus: how many CPUs this process may actually use, for sizing worker pools. In a container the
 * machine's CPU count says little: the affinity mask (cpuset) and the cgroup CPU quota (a
 * Kubernetes CPU limit) bound it, and threads beyond the quota only burn it faster and get the
 * whole process throttled. */
#ifndef SAOIDC_CPUS_H
#define SAOIDC_CPUS_H

/* The CPUs in the affinity mask, capped by the cgroup quota of this process and of every cgroup
 * above it (cgroup v2 cpu.max; v1 cpu.cfs_quota_us at the container's root), rounded up; at
 * least 1. *source (may be NULL) says which bound decided. Outside Linux: the online CPUs,
 * and *source says so. */
unsigned cpus_usable(const char **source);

/* CPUs a cgroup v2 cpu.max line allows ("150000 100000" -> 2, rounded up); 0 for "max" (no
 * quota) or text that is not a cpu.max line. */
unsigned cpus_from_cpu_max(const char *text);

/* The tightest quota on the cgroup v2 path named by the "0::" line of self_cgroup (the text of
 * /proc/self/cgroup) and on every cgroup above it, the hierarchy being mounted at root; 0 if
 * none. */
unsigned cpus_cgroup_v2(const char *root, const char *self_cgroup);

/* The cgroup v1 quota at root/cpu,cpuacct or root/cpu (a container's own cgroup); 0 if none. */
unsigned cpus_cgroup_v1(const char *root);

#endif
