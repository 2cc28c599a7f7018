/* Unit tests for src/server/ipcap.c: the per-client cap, an IPv6 client counted per /64, an IPv4
 * address (mapped into IPv6 or not) counted alone. */
#include "config.h"

#include "server/ipcap.h"
#include "../tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static struct sockaddr_storage addr(const char *a)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, a, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, a, &s4->sin_addr);
	}
	return ss;
}

int main(void)
{
	ipcap *t = ipcap_new(2);
	struct sockaddr_storage a = addr("192.0.2.1"), b = addr("192.0.2.2"), m = addr("::ffff:192.0.2.1"),
				x1 = addr("2001:db8:1:2::1"), x2 = addr("2001:db8:1:2:ffff::9"),
				y = addr("2001:db8:1:3::1");

	ok(ipcap_take(t, &a) && ipcap_take(t, &a) && !ipcap_take(t, &a), "two connections per address, not three");
	ok(ipcap_take(t, &b), "another IPv4 address has its own share");
	ok(!ipcap_take(t, &m), "the same IPv4 address mapped into IPv6 is the same client");
	ipcap_give(t, &a);
	ok(ipcap_take(t, &a), "a connection closed makes room");
	ok(ipcap_take(t, &x1) && ipcap_take(t, &x2) && !ipcap_take(t, &x1),
	   "two IPv6 addresses of one /64 share its cap");
	ok(ipcap_take(t, &y), "the next /64 is another client");
	ipcap_free(t);
	ipcap_free(NULL);
	return tap_done();
}
