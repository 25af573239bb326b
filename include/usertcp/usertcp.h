/* usertcp: a user-space TCP/IP stack that does what Linux does.
 * This header includes the whole public API. */
#ifndef USERTCP_USERTCP_H
#define USERTCP_USERTCP_H

#include "usertcp/addr.h"
#include "usertcp/clock.h"
#include "usertcp/diag.h"
#include "usertcp/dev.h"
#include "usertcp/group.h"
#include "usertcp/ping.h"
#include "usertcp/sim.h"
#include "usertcp/socket.h"
#include "usertcp/stack.h"
#include "usertcp/trace.h"

#define UT_VERSION_STRING "0.1.0"

#endif
