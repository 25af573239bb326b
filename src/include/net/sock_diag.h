/* The diagnostics endpoint's internals (src/core/sock_diag.c answers,
 * src/ipv4/inet_diag.c fills the socket records). */
#ifndef USERTCP_NET_SOCK_DIAG_H
#define USERTCP_NET_SOCK_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "usertcp/diag.h"

struct sock;
struct ut_stack;

/* An answer being built: records appended, grown as needed. */
struct diag_buf {
	uint8_t *data;
	size_t len, cap;
};
/* Room for one more record, zeroed, its size set; NULL without memory. */
struct ut_diag_sock *diag_buf_record(struct diag_buf *b);
/* Appends text: 0, or -ENOMEM. */
int diag_buf_printf(struct diag_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a record for every socket of the stack (locked by the caller):
 * 0 or -ENOMEM. */
int inet_diag_dump(struct ut_stack *stack, unsigned stack_idx, struct diag_buf *b);
/* Appends a line for each destination the stack's TCP metrics hold
 * (what Fast Open keeps: "ADDR AGE_MS MSS COOKIE EXP", the cookie in hex
 * or "-", EXP 1 for the experimental option), or with flush empties them
 * and appends nothing (Linux's `ip tcp_metrics show` and `flush`); the
 * stack locked by the caller. 0 or -ENOMEM. */
int inet_diag_tcp_metrics(struct ut_stack *stack, struct diag_buf *b, bool flush);
/* SO_MEMINFO's figures (UT_SK_MEMINFO_VARS of them). */
void sk_get_meminfo(const struct sock *sk, uint32_t *mem);

#endif
