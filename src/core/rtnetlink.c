/* The public address and route calls (`ip addr`, `ip route`): each finds
 * the family of its address among those registered (rtnl_af_register)
 * and hands the work to it, as Linux's rtnetlink dispatches by family. An
 * address of a family the stack does not speak is -EAFNOSUPPORT. Each takes
 * the stack lock, so an application may call them while the stack thread
 * runs. */
#include <errno.h>

#include "net/rtnetlink.h"
#include "net/stack.h"

int rtnl_af_register(struct ut_stack *stack, const struct rtnl_af_ops *ops)
{
	for (unsigned i = 0; i < stack->n_rtnl_af; i++)
		if (stack->rtnl_af[i]->family == ops->family)
			return -EEXIST;
	if (stack->n_rtnl_af == RTNL_AF_MAX)
		return -ENOSPC;
	stack->rtnl_af[stack->n_rtnl_af++] = ops;
	return 0;
}

static const struct rtnl_af_ops *rtnl_af_lookup(const struct ut_stack *stack, int family)
{
	for (unsigned i = 0; i < stack->n_rtnl_af; i++)
		if (stack->rtnl_af[i]->family == family)
			return stack->rtnl_af[i];
	return NULL;
}

UT_EXPORT int ut_addr_add(struct ut_stack *stack, struct ut_dev *dev, struct ut_ip addr,
			  unsigned prefix_len)
{
	bool locked;
	int err;
	const struct rtnl_af_ops *ops = rtnl_af_lookup(stack, addr.family);

	if (!ops)
		return -EAFNOSUPPORT;
	if (!dev)
		return -ENODEV;
	locked = stack_lock_unless_held(stack);
	err = ops->newaddr(stack, netdev_from_ut(dev), addr, prefix_len);
	stack_unlock_if(stack, locked);
	return err;
}

UT_EXPORT int ut_addr_del(struct ut_stack *stack, struct ut_dev *dev, struct ut_ip addr,
			  unsigned prefix_len)
{
	bool locked;
	int err;
	const struct rtnl_af_ops *ops = rtnl_af_lookup(stack, addr.family);

	if (!ops)
		return -EAFNOSUPPORT;
	if (!dev)
		return -ENODEV;
	locked = stack_lock_unless_held(stack);
	err = ops->deladdr(stack, netdev_from_ut(dev), addr, prefix_len);
	stack_unlock_if(stack, locked);
	return err;
}

UT_EXPORT int ut_route_add(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len,
			   struct ut_ip gateway, struct ut_dev *dev)
{
	bool locked;
	int err;
	const struct rtnl_af_ops *ops = rtnl_af_lookup(stack, dst.family);

	if (!ops)
		return -EAFNOSUPPORT;
	/* No gateway, of whatever family, is an on-link route; one given
	 * must be of the destination's family. */
	if (!ut_ip_is_any(gateway) && gateway.family != dst.family)
		return -EAFNOSUPPORT;
	locked = stack_lock_unless_held(stack);
	err = ops->newroute(stack, dst, prefix_len, gateway, dev ? netdev_from_ut(dev) : NULL);
	stack_unlock_if(stack, locked);
	return err;
}

UT_EXPORT int ut_route_del(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len)
{
	bool locked;
	int err;
	const struct rtnl_af_ops *ops = rtnl_af_lookup(stack, dst.family);

	if (!ops)
		return -EAFNOSUPPORT;
	locked = stack_lock_unless_held(stack);
	err = ops->delroute(stack, dst, prefix_len);
	stack_unlock_if(stack, locked);
	return err;
}

UT_EXPORT int ut_route_get(struct ut_stack *stack, struct ut_ip daddr, struct ut_route_info *out)
{
	bool locked;
	int err;
	const struct rtnl_af_ops *ops = rtnl_af_lookup(stack, daddr.family);

	if (!ops)
		return -EAFNOSUPPORT;
	locked = stack_lock_unless_held(stack);
	err = ops->getroute(stack, daddr, out);
	stack_unlock_if(stack, locked);
	return err;
}
