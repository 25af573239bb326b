/* The graphs of usertcp plot, also drawn by usertcp demo --plot. */
#ifndef USERTCP_TOOLS_PLOT_H
#define USERTCP_TOOLS_PLOT_H

#include <stdio.h>

#include "trace_read.h"

/* Writes the SVG graphs of connection conn (one of tr_connections'), for
 * each direction that carried data, into dir (created if missing); names
 * each file written on out (NULL: silent). 0, or -1 after saying why on
 * standard error as prog. */
int plot_connection(const struct tr_trace *tr, const struct tr_conn *conn, const char *dir,
		    const char *prog, FILE *out);

#endif
