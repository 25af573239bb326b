/* Addresses as the tools take them on the command line and print them,
 * following the kernel's tools: an IPv4 address in dotted decimal, an
 * IPv6 one in RFC 4291 text with an optional %scope (an interface name or
 * index, as getaddrinfo reads it), brackets around an IPv6 address where a
 * port may follow ([fd00::1]:80, RFC 3986's form), and peers printed as
 * getnameinfo(NI_NUMERICHOST) prints them (::ffff:10.0.0.1 for an IPv4
 * peer of a dual-stack socket, fe80::1%tap0 for a link-local one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"
#include "usertcp/socket.h"

/* IPv6 text with its %scope, but not its brackets: 45 bytes, '%', and an
 * interface name (15) or index. */
#define HOST_MAX (UT_IP_STRLEN + 1 + 16)
/* About as long as duplicate address detection takes: one probe
 * (dad_transmits 1) and retrans_time, 1 s (RFC 4861 10), with a margin. */
#define TOOL_DAD_MS 2000

int tool_addr_parse(const char *s, struct tool_addr *a, char *why, size_t whylen)
{
	const char *orig = s; /* what the messages quote */
	char buf[HOST_MAX];
	size_t n = strlen(s);
	bool bracketed = false;
	char *pct;

	memset(a, 0, sizeof(*a));
	if (n && s[0] == '[') {
		if (s[n - 1] != ']') {
			snprintf(why, whylen, "'%s': missing ']'", s);
			return -1;
		}
		s++;
		n -= 2;
		bracketed = true;
	}
	if (!n || n >= sizeof(buf)) {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", orig);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	pct = strchr(buf, '%');
	if (pct) {
		*pct = 0;
		if (!pct[1] || strlen(pct + 1) >= sizeof(a->scope)) {
			snprintf(why, whylen, "'%s': the scope after '%%' is not an interface",
				 orig);
			return -1;
		}
		strcpy(a->scope, pct + 1);
	}
	if (ut_ip_pton(buf, &a->ip) < 0) {
		snprintf(why, whylen,
			 "'%s' is not an IPv4 or IPv6 address (numeric only: no name lookup)",
			 orig);
		return -1;
	}
	/* Brackets and scopes belong to IPv6 (RFC 3986 3.2.2, RFC 4007 11). */
	if (a->ip.family == AF_INET && (bracketed || pct)) {
		snprintf(why, whylen, "'%s': %s only for IPv6 addresses", orig,
			 bracketed ? "brackets are" : "a %scope is");
		return -1;
	}
	/* The kernel refuses a link-local address without its interface
	 * (EINVAL); saying which is missing helps more than its errno. */
	if (a->ip.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->ip.u.v6) && !pct) {
		snprintf(why, whylen, "%s is link-local: name its interface too, as %s%%IF", buf,
			 buf);
		return -1;
	}
	return 0;
}

int tool_hostport_parse(const char *s, struct tool_addr *a, bool *have_port, uint16_t *port,
			char *why, size_t whylen)
{
	const char *colon = strrchr(s, ':');
	char host[HOST_MAX + 2];
	uint64_t v;

	*have_port = false;
	/* [v6]:port and a.b.c.d:port carry a port; bare IPv6 text has colons
	 * of its own, and never a port. */
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close && close[1] == 0)
			return tool_addr_parse(s, a, why, whylen);
		if (!close || close[1] != ':') {
			snprintf(why, whylen, "'%s': after ']' only ':PORT' may follow", s);
			return -1;
		}
		colon = close + 1;
	} else if (!colon || strchr(s, ':') != colon) {
		return tool_addr_parse(s, a, why, whylen);
	}
	if (!parse_u64(colon + 1, &v) || v < 1 || v > 65535) {
		snprintf(why, whylen, "'%s': the port after ':' is not 1 to 65535", s);
		return -1;
	}
	if ((size_t)(colon - s) >= sizeof(host)) {
		snprintf(why, whylen, "'%s' is not an address", s);
		return -1;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (tool_addr_parse(host, a, why, whylen) < 0)
		return -1;
	*port = (uint16_t)v;
	*have_port = true;
	return 0;
}

/* A scope as the kernel's getaddrinfo takes it: an interface's name, or
 * its index in decimal. Here the interfaces are the stack's own (lo and
 * the one attached), not the host's. */
static int scope_id(struct ut_stack *st, const char *ifname, const char *scope, uint32_t *id,
		    char *why, size_t whylen)
{
	uint64_t v;
	struct ut_dev *dev = ut_dev_by_name(st, scope);

	if (dev) {
		*id = (uint32_t)ut_dev_ifindex(dev);
		return 0;
	}
	if (parse_u64(scope, &v) && v > 0 && v <= UINT32_MAX) {
		*id = (uint32_t)v; /* an index that names no device: ENODEV from bind */
		return 0;
	}
	snprintf(why, whylen, "%%%s: usertcp has no interface of that name (it has lo and %s)",
		 scope, ifname ? ifname : "no other");
	return -1;
}

int tool_sockaddr(struct ut_stack *st, const char *ifname, const struct tool_addr *a, int family,
		  uint16_t port, struct sockaddr_storage *ss, socklen_t *len, char *why,
		  size_t whylen)
{
	char text[UT_IP_STRLEN];

	memset(ss, 0, sizeof(*ss));
	ut_ip_ntop(a->ip, text, sizeof(text));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (a->ip.family != AF_INET) {
			snprintf(why, whylen, "%s is not an IPv4 address", text);
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->ip.u.v4;
		*len = sizeof(*sin);
		return 0;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (a->ip.family == AF_INET) {
		/* An IPv4 peer of an IPv6 socket (RFC 4291 2.5.5.2). */
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], &a->ip.u.v4, 4);
	} else {
		sin6->sin6_addr = a->ip.u.v6;
	}
	if (a->scope[0] && scope_id(st, ifname, a->scope, &sin6->sin6_scope_id, why, whylen) < 0)
		return -1;
	*len = sizeof(*sin6);
	return 0;
}

const char *tool_sockaddr_host(struct ut_stack *st, const char *ifname, const struct sockaddr *sa,
			       char *buf, size_t len)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		ut_ip_ntop(ut_ip_v4(sin->sin_addr.s_addr), buf, len);
		return buf;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
	char text[UT_IP_STRLEN];
	ut_ip_ntop(ut_ip_v6(&sin6->sin6_addr), text, sizeof(text));
	if (!sin6->sin6_scope_id) {
		snprintf(buf, len, "%s", text);
		return buf;
	}
	/* getnameinfo names the scope by its interface where one has that
	 * index, as the kernel's tools print fe80::1%eth0. */
	const char *names[] = {"lo", ifname};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct ut_dev *dev = names[i] && st ? ut_dev_by_name(st, names[i]) : NULL;
		if (dev && (uint32_t)ut_dev_ifindex(dev) == sin6->sin6_scope_id) {
			snprintf(buf, len, "%s%%%s", text, names[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%s%%%u", text, (unsigned)sin6->sin6_scope_id);
	return buf;
}

uint16_t tool_sockaddr_port(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET
			     ? ((const struct sockaddr_in *)(const void *)sa)->sin_port
			     : ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* True when the stack has a route to dst and a source for it that may
 * leave the node; with want_scope, also one of dst's own scope. */
static bool source_ready(struct ut_stack *st, const struct tool_addr *dst, bool want_scope)
{
	struct ut_route_info ri;

	if (ut_route_get(st, dst->ip, &ri) < 0 || ut_ip_is_any(ri.prefsrc))
		return false;
	if (ri.local)
		return true;
	if (IN6_IS_ADDR_LOOPBACK(&ri.prefsrc.u.v6))
		return false;
	return !want_scope ||
	       IN6_IS_ADDR_LINKLOCAL(&ri.prefsrc.u.v6) == IN6_IS_ADDR_LINKLOCAL(&dst->ip.u.v6);
}

void tool_wait_source(struct ut_stack *st, const struct tool_addr *dst, unsigned max_ms)
{
	unsigned waited = 0;

	if (dst->ip.family != AF_INET6)
		return;
	/* A new IPv6 address is tentative through duplicate address
	 * detection (RFC 4862 5.4), and a SLAAC one exists only once a router
	 * has advertised its prefix: until then the stack has no source (or
	 * no route) for the peer, and a connect would fail at once. */
	for (; waited < max_ms && !source_ready(st, dst, false); waited += 50)
		nap_ms(50);
	/* A global peer reached on-link from our link-local address (the
	 * only one usable while the global one is in DAD) would see a
	 * source that no router forwards: give DAD its second to offer one
	 * of the peer's scope (RFC 6724 rule 2), then go with what there is. */
	for (unsigned extra = 0;
	     extra < TOOL_DAD_MS && waited < max_ms && !source_ready(st, dst, true);
	     extra += 50, waited += 50)
		nap_ms(50);
}

int tool_bind_wait(struct ut_stack *st, int fd, const struct sockaddr *sa, socklen_t len,
		   unsigned max_ms)
{
	/* An IPv6 address of ours cannot be bound while tentative (Linux's
	 * __inet6_bind: EADDRNOTAVAIL), and an --ip address is tentative for
	 * the first second: wait for DAD rather than fail. */
	for (unsigned waited = 0;; waited += 50) {
		int r = ut_bind(st, fd, sa, len);
		if (r == 0 || errno != EADDRNOTAVAIL || sa->sa_family != AF_INET6 ||
		    waited >= max_ms)
			return r;
		nap_ms(50);
	}
}
