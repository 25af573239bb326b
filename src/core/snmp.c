/* Counter names for ut_counter_get/foreach, from the same X-macro list as
 * the enum, so a name can never drift from its counter. */
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

UT_EXPORT int ut_counter_get(const struct ut_stack *stack, const char *group,
			     const char *name, uint64_t *value)
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
				  void (*fn)(void *arg, const char *group,
					     const char *name, uint64_t value),
				  void *arg)
{
	for (int i = 0; i < SNMP_MIB_MAX; i++)
		fn(arg, snmp_names[i].group, snmp_names[i].name, stack->mib.v[i]);
}
