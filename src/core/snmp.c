/* Counter names for ut_counter_get/foreach, from the same X-macro list as
 * the enum, so a name can never drift from its counter; and the socket
 * memory figures of ut_sockstat_get. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"

static const struct {
	const char *group, *name;
} snmp_names[SNMP_MIB_MAX] = {
#define SNMP_NAME(id, group, name) [id] = {group, name},
	SNMP_COUNTERS(SNMP_NAME)
#undef SNMP_NAME
};

UT_EXPORT int ut_counter_get(const struct ut_stack *stack, const char *group, const char *name,
			     uint64_t *value)
{
	for (int i = 0; i < SNMP_MIB_MAX; i++) {
		if (strcmp(snmp_names[i].group, group) == 0 &&
		    strcmp(snmp_names[i].name, name) == 0) {
			*value = stack->mib.v[i];
			return 0;
		}
	}
	return -ENOENT;
}

UT_EXPORT void ut_counter_foreach(const struct ut_stack *stack,
				  void (*fn)(void *arg, const char *group, const char *name,
					     uint64_t value),
				  void *arg)
{
	for (int i = 0; i < SNMP_MIB_MAX; i++)
		fn(arg, snmp_names[i].group, snmp_names[i].name, stack->mib.v[i]);
}

/* Linux's sockstat_seq_show, TCP line: "alloc", "orphan", "tw" and "mem"
 * ("inuse", the hashed sockets, is not kept). */
UT_EXPORT void ut_sockstat_get(const struct ut_stack *stack, struct ut_sockstat *out)
{
	memset(out, 0, sizeof(*out));
	out->tcp_alloc = stack->tcp_socks;
	out->tcp_orphan = stack->tcp_orphans;
	out->tcp_tw = stack->tw_count;
	out->tcp_mem = stack->tcp_memory_allocated;
	out->tcp_memory_pressure = stack->tcp_memory_pressure != 0;
}
