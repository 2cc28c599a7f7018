#include "config.h"

#include "server/ipcap.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define IP_BUCKETS 1024

typedef struct ip_count {
	struct ip_count *next;
	unsigned char addr[16];
	unsigned n;
} ip_count;

struct ipcap {
	unsigned per_ip;
	pthread_mutex_t lock;
	ip_count *bucket[IP_BUCKETS];
};

ipcap *ipcap_new(unsigned per_ip)
{
	ipcap *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->per_ip = per_ip > 0 ? per_ip : 1;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

/* The client address as 16 bytes (IPv4 as ::ffff:a.b.c.d) and its bucket. */
static size_t ip_key(const struct sockaddr_storage *sa, unsigned char key[16])
{
	size_t h = 2166136261u;

	memset(key, 0, 16);
	if (sa->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		/* An IPv6 client holds a whole /64: the cap is per /64, or it would hold nothing back.
		 * (An IPv4 address mapped into IPv6 stays whole.) */
		if (!IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr))
			memset(key + 8, 0, 8);
	} else {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	}
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % IP_BUCKETS;
}

bool ipcap_take(ipcap *f, const struct sockaddr_storage *sa)
{
	unsigned char key[16];
	size_t b;
	ip_count *e;
	bool ok = true;

	if (f == NULL)
		return true;
	b = ip_key(sa, key);
	pthread_mutex_lock(&f->lock);
	for (e = f->bucket[b]; e != NULL && memcmp(e->addr, key, 16) != 0; e = e->next)
		;
	if (e == NULL && (e = calloc(1, sizeof(*e))) != NULL) {
		memcpy(e->addr, key, 16);
		e->next = f->bucket[b];
		f->bucket[b] = e;
	}
	if (e == NULL || e->n >= f->per_ip)
		ok = false;
	else
		e->n++;
	pthread_mutex_unlock(&f->lock);
	return ok;
}

void ipcap_give(ipcap *f, const struct sockaddr_storage *sa)
{
	unsigned char key[16];
	size_t b;
	ip_count **pp, *e;

	if (f == NULL)
		return;
	b = ip_key(sa, key);
	pthread_mutex_lock(&f->lock);
	for (pp = &f->bucket[b]; (e = *pp) != NULL && memcmp(e->addr, key, 16) != 0; pp = &e->next)
		;
	if (e != NULL && --e->n == 0) {
		*pp = e->next;
		free(e);
	}
	pthread_mutex_unlock(&f->lock);
}

void ipcap_free(ipcap *t)
{
	if (t == NULL)
		return;
	for (size_t b = 0; b < IP_BUCKETS; b++)
		while (t->bucket[b] != NULL) {
			ip_count *e = t->bucket[b];

			t->bucket[b] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&t->lock);
	free(t);
}
