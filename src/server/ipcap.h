/* ipcap: connections per client address, capped: a listener's share for one client. An IPv6
 * client is its /64 (it holds the whole prefix); an IPv4 address, mapped into IPv6 or not, is
 * one client. Thread-safe. */
#ifndef SAOIDC_IPCAP_H
#define SAOIDC_IPCAP_H

#include <stdbool.h>
#include <sys/socket.h>

typedef struct ipcap ipcap;

/* A table allowing `per_ip` connections per client (at least 1). NULL when out of memory. */
ipcap *ipcap_new(unsigned per_ip);

/* Counts a connection from sa; false when the client is at its cap (or out of memory). A NULL
 * table (no cap) takes every connection, and ipcap_give on it does nothing. */
bool ipcap_take(ipcap *t, const struct sockaddr_storage *sa);
/* Counts one of sa's connections closed. */
void ipcap_give(ipcap *t, const struct sockaddr_storage *sa);

void ipcap_free(ipcap *t);

#endif
