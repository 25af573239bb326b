/* A small SVG writer for charts: a plot area with linear axes, ticks at
 * round numbers, a title, axis labels with their units and a legend.
 * Marks take a class (styled by the chart's style sheet) and data-*
 * attributes, so that a program reading the picture can count them. */
#ifndef USERTCP_TOOLS_SVG_H
#define USERTCP_TOOLS_SVG_H

#include <stdbool.h>
#include <stdio.h>

struct svg_chart {
	FILE *f;
	double xmin, xmax, ymin, ymax;	 /* data coordinates of the plot area */
	double left, top, right, bottom; /* the plot area, in pixels */
	unsigned legend_n;
	bool open_path;
	bool path_started;
	double last_py; /* a step series' value so far, in pixels */
};

struct svg_chart_spec {
	const char *title, *subtitle;
	const char *xlabel, *ylabel; /* with the unit: "time (s)" */
	const char *css;	     /* the marks' classes */
	double xmin, xmax, ymin, ymax;
};

/* Creates path and writes the header, the axes and their ticks. 0, or
 * -errno. */
int svg_begin(struct svg_chart *c, const char *path, const struct svg_chart_spec *spec);
/* Flushes and closes; 0, or -errno when anything failed to be written. */
int svg_end(struct svg_chart *c);

double svg_px(const struct svg_chart *c, double x);
double svg_py(const struct svg_chart *c, double y);

/* A line between two data points; attrs (printf-style, may be NULL) are
 * written inside the element as they are: data-seq="1" data-t="0.5". */
void svg_line(struct svg_chart *c, double x1, double y1, double x2, double y2, const char *cls,
	      const char *attrs, ...) __attribute__((format(printf, 7, 8)));
/* A point mark: a circle ('o'), a cross ('x') or a small square ('s'). */
void svg_mark(struct svg_chart *c, char shape, double x, double y, const char *cls,
	      const char *attrs, ...) __attribute__((format(printf, 6, 7)));
/* A series: begin, points, end. step: hold each value until the next
 * point (for a window or a counter), rather than joining them. */
void svg_series_begin(struct svg_chart *c, const char *cls, const char *name);
void svg_series_point(struct svg_chart *c, double x, double y, bool step);
void svg_series_end(struct svg_chart *c);
/* One legend entry, top right: a short line in the class's stroke, or a
 * mark of the shape given ('-' for a line). */
void svg_legend(struct svg_chart *c, char shape, const char *cls, const char *label);
/* A note under the plot area, left aligned. */
void svg_note(struct svg_chart *c, const char *text);

/* Writes s with XML's special characters escaped. */
void svg_escape(FILE *f, const char *s);
/* Round tick step for a span and a target count: 1, 2 or 5 times a power
 * of ten. */
double svg_tick_step(double span, int target);

#endif
