/* The counters a stack (or a group's stacks, summed) kept, as the tools
 * print them at exit with --nstat: the counters under nstat's names, and
 * the device's. Shared by the tools (attach.c) and the preload library
 * (usertcp run --nstat), which links this file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* One counter as nstat prints it: the group and the name run together
 * (TcpExtTCPSackRecovery, IpInReceives), then the value. */
static void attach_print_counter(void *arg, const char *group, const char *name, uint64_t value)
{
	char full[96];

	if (!value)
		return;
	snprintf(full, sizeof(full), "%s%s", group, name);
	/* MaxConn is -1 (no limit), as /proc/net/snmp prints it */
	if (value > (uint64_t)INT64_MAX)
		fprintf(arg, "%-31s %lld\n", full, (long long)value);
	else
		fprintf(arg, "%-31s %llu\n", full, (unsigned long long)value);
}

/* The counters of every stack summed, as one host's: each stack reports
 * the same names in the same order. */
struct counter_sum {
	struct {
		char group[24], name[48];
		uint64_t value;
	} * rows;
	size_t n, cap, at;
};

/* Settings that /proc/net/snmp shows among the counters: the same on
 * every stack, so neither summed nor shown per stack. */
static bool counter_is_setting(const char *name)
{
	static const char *const settings[] = {"Forwarding", "DefaultTTL", "RtoAlgorithm",
					       "RtoMin",     "RtoMax",	   "MaxConn"};

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(name, settings[i]))
			return true;
	return false;
}

static void counter_sum_add(void *arg, const char *group, const char *name, uint64_t value)
{
	struct counter_sum *cs = arg;

	if (cs->at < cs->n) {
		if (!counter_is_setting(name))
			cs->rows[cs->at].value += value;
		cs->at++;
		return;
	}
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 256;
		void *p = realloc(cs->rows, cap * sizeof(*cs->rows));
		if (!p)
			return;
		cs->rows = p;
		cs->cap = cap;
	}
	snprintf(cs->rows[cs->n].group, sizeof(cs->rows[0].group), "%s", group);
	snprintf(cs->rows[cs->n].name, sizeof(cs->rows[0].name), "%s", name);
	cs->rows[cs->n].value = value;
	cs->n++;
	cs->at = cs->n;
}

struct stack_tcp_print {
	FILE *f;
	unsigned stack;
};

static void stack_tcp_print_counter(void *arg, const char *group, const char *name, uint64_t value)
{
	const struct stack_tcp_print *p = arg;
	char full[48];

	if (strcmp(group, "Tcp") != 0 || counter_is_setting(name))
		return;
	snprintf(full, sizeof(full), "stack%u:Tcp", p->stack);
	attach_print_counter(p->f, full, name, value);
}

void counters_print(struct ut_stack *const *stacks, unsigned n, FILE *f)
{
	struct counter_sum cs = {0};

	for (unsigned i = 0; i < n; i++) {
		cs.at = 0;
		ut_counter_foreach(stacks[i], counter_sum_add, &cs);
	}
	for (size_t i = 0; i < cs.n; i++)
		attach_print_counter(f, cs.rows[i].group, cs.rows[i].name, cs.rows[i].value);
	free(cs.rows);
	/* With several stacks, each one's Tcp counters (opens, segments,
	 * resets) as stackN:TcpOutRsts ...: which stack carried the
	 * connections, and which one reset what. */
	for (unsigned i = 0; n > 1 && i < n; i++) {
		struct stack_tcp_print p = {f, i};
		ut_counter_foreach(stacks[i], stack_tcp_print_counter, &p);
	}
}

/* The device's counters (ip -s link's, GRO's, and the system calls the
 * device cost), every one even when zero, so that a script reading them
 * (scripts/tap-throughput.sh) finds each name; with --threads, the sums
 * over the queues, then what the stacks handed each other. */
void dev_stats_print(struct ut_dev *const *devs, unsigned n, struct ut_group *group,
		     const char *prog, FILE *f)
{
	struct ut_dev_stats st, q;
	const char *dn = ut_dev_name(devs[0]);

	memset(&st, 0, sizeof(st));
	for (unsigned i = 0; i < n; i++) {
		ut_dev_get_stats(devs[i], &q);
		st.rx_packets += q.rx_packets;
		st.rx_bytes += q.rx_bytes;
		st.rx_dropped += q.rx_dropped;
		st.tx_packets += q.tx_packets;
		st.tx_bytes += q.tx_bytes;
		st.tx_dropped += q.tx_dropped;
		st.rx_gro_packets += q.rx_gro_packets;
		st.rx_gro_wire_packets += q.rx_gro_wire_packets;
		st.tx_gso_packets += q.tx_gso_packets;
		st.tx_gso_wire_packets += q.tx_gso_wire_packets;
		st.rx_syscalls += q.rx_syscalls;
		st.rx_syscalls_empty += q.rx_syscalls_empty;
		st.tx_syscalls += q.tx_syscalls;
		st.poll_waits += q.poll_waits;
	}
	const struct {
		const char *name;
		uint64_t value;
	} rows[] = {
		{"rx_packets", st.rx_packets},
		{"rx_bytes", st.rx_bytes},
		{"rx_dropped", st.rx_dropped},
		{"tx_packets", st.tx_packets},
		{"tx_bytes", st.tx_bytes},
		{"tx_dropped", st.tx_dropped},
		{"rx_gro_packets", st.rx_gro_packets},
		{"rx_gro_wire_packets", st.rx_gro_wire_packets},
		{"tx_gso_packets", st.tx_gso_packets},
		{"tx_gso_wire_packets", st.tx_gso_wire_packets},
		{"rx_syscalls", st.rx_syscalls},
		{"rx_syscalls_empty", st.rx_syscalls_empty},
		{"tx_syscalls", st.tx_syscalls},
		{"poll_waits", st.poll_waits},
	};

	fprintf(f, "#%s: device %s at exit\n", prog, dn);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char full[96];
		snprintf(full, sizeof(full), "%s:%s", dn, rows[i].name);
		fprintf(f, "%-31s %llu\n", full, (unsigned long long)rows[i].value);
	}
	for (unsigned i = 0; n > 1 && i < n; i++) {
		struct ut_group_stats gs;
		char full[96];

		ut_dev_get_stats(devs[i], &q);
		ut_group_get_stats(group, i, &gs);
		snprintf(full, sizeof(full), "%s:q%u:rx_packets", dn, i);
		fprintf(f, "%-31s %llu\n", full, (unsigned long long)q.rx_packets);
		snprintf(full, sizeof(full), "%s:q%u:steered_out", dn, i);
		fprintf(f, "%-31s %llu\n", full, (unsigned long long)gs.steered_out);
		snprintf(full, sizeof(full), "%s:q%u:steered_in", dn, i);
		fprintf(f, "%-31s %llu\n", full, (unsigned long long)gs.steered_in);
		snprintf(full, sizeof(full), "%s:q%u:neigh_shared", dn, i);
		fprintf(f, "%-31s %llu\n", full, (unsigned long long)gs.neigh_shared);
	}
}
