/* The SVG writer (svg.h). Coordinates are written with one decimal; a
 * chart is 960 x 540 pixels, the plot area on the left, the legend in a
 * column to its right so that it never hides a mark. */
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define SVG_W 960.0
#define SVG_H 540.0
#define TICKS_X 10
#define TICKS_Y 8

void svg_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* control characters are not allowed in XML 1.0 */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

double svg_tick_step(double span, int target)
{
	double raw, mag, norm;

	if (!(span > 0) || target < 1)
		return 1;
	raw = span / target;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	if (norm <= 1)
		return mag;
	if (norm <= 2)
		return 2 * mag;
	if (norm <= 5)
		return 5 * mag;
	return 10 * mag;
}

double svg_px(const struct svg_chart *c, double x)
{
	return c->left + (x - c->xmin) / (c->xmax - c->xmin) * (c->right - c->left);
}

double svg_py(const struct svg_chart *c, double y)
{
	return c->bottom - (y - c->ymin) / (c->ymax - c->ymin) * (c->bottom - c->top);
}

/* A tick label: as many decimals as the step has. */
static void tick_label(char *buf, size_t n, double v, double step)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (dec > 9)
		dec = 9;
	if (fabs(v) < step / 1e6)
		v = 0; /* no "-0" */
	snprintf(buf, n, "%.*f", dec, v);
}

static void svg_text(FILE *f, double x, double y, const char *anchor, const char *cls,
		     const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor,
		cls);
	svg_escape(f, text);
	fputs("</text>\n", f);
}

static void svg_axes(struct svg_chart *c, const struct svg_chart_spec *s)
{
	FILE *f = c->f;
	double step;
	char label[64];

	fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
		c->left, c->top, c->right - c->left, c->bottom - c->top);
	fputs("<g class=\"axis x\">\n", f);
	step = svg_tick_step(c->xmax - c->xmin, TICKS_X);
	for (double v = ceil(c->xmin / step) * step; v <= c->xmax + step * 1e-9; v += step) {
		double x = svg_px(c, v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			x, c->top, x, c->bottom);
		fprintf(f,
			"<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			x, c->bottom, x, c->bottom + 5);
		tick_label(label, sizeof(label), v, step);
		svg_text(f, x, c->bottom + 18, "middle", "ticklabel", label);
	}
	fputs("</g>\n<g class=\"axis y\">\n", f);
	step = svg_tick_step(c->ymax - c->ymin, TICKS_Y);
	for (double v = ceil(c->ymin / step) * step; v <= c->ymax + step * 1e-9; v += step) {
		double y = svg_py(c, v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			c->left, y, c->right, y);
		fprintf(f,
			"<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			c->left - 5, y, c->left, y);
		tick_label(label, sizeof(label), v, step);
		svg_text(f, c->left - 8, y + 4, "end", "ticklabel", label);
	}
	fputs("</g>\n", f);
	svg_text(f, (c->left + c->right) / 2, c->bottom + 40, "middle", "axislabel", s->xlabel);
	fprintf(f,
		"<text x=\"0\" y=\"0\" text-anchor=\"middle\" class=\"axislabel\" "
		"transform=\"translate(18 %.1f) rotate(-90)\">",
		(c->top + c->bottom) / 2);
	svg_escape(f, s->ylabel);
	fputs("</text>\n", f);
}

int svg_begin(struct svg_chart *c, const char *path, const struct svg_chart_spec *s)
{
	memset(c, 0, sizeof(*c));
	c->xmin = s->xmin;
	c->xmax = s->xmax > s->xmin ? s->xmax : s->xmin + 1;
	c->ymin = s->ymin;
	c->ymax = s->ymax > s->ymin ? s->ymax : s->ymin + 1;
	c->left = 95;
	c->right = SVG_W - 200;
	c->top = 60;
	c->bottom = SVG_H - 75;
	c->f = fopen(path, "w");
	if (!c->f)
		return -errno;
	fprintf(c->f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fputs("<title>", c->f);
	svg_escape(c->f, s->title);
	fputs("</title>\n<style>\n"
	      ".frame{fill:none;stroke:#333}.grid{stroke:#e4e4e4}.tick{stroke:#333}"
	      ".ticklabel{fill:#333;font-size:11px}.axislabel{fill:#111;font-size:13px}"
	      ".title{font-size:15px;font-weight:bold}.subtitle{fill:#555;font-size:12px}"
	      ".legendtext{fill:#111;font-size:12px}.note{fill:#555;font-size:11px}\n",
	      c->f);
	if (s->css)
		fputs(s->css, c->f);
	fputs("</style>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", c->f);
	svg_text(c->f, c->left, 24, "start", "title", s->title);
	if (s->subtitle)
		svg_text(c->f, c->left, 42, "start", "subtitle", s->subtitle);
	svg_axes(c, s);
	/* marks outside the area (a window line above the data) are cut */
	fprintf(c->f,
		"<clipPath id=\"area\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#area)\">\n",
		c->left, c->top - 2, c->right - c->left, c->bottom - c->top + 4);
	c->open_path = true;
	return 0;
}

/* Ends an element with the caller's attributes. */
static void svg_close_attrs(FILE *f, const char *attrs, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void svg_close_attrs(FILE *f, const char *attrs, va_list ap)
{
	if (attrs) {
		fputc(' ', f);
		vfprintf(f, attrs, ap);
	}
	fputs("/>\n", f);
}

void svg_line(struct svg_chart *c, double x1, double y1, double x2, double y2, const char *cls,
	      const char *attrs, ...)
{
	va_list ap;

	fprintf(c->f, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", cls,
		svg_px(c, x1), svg_py(c, y1), svg_px(c, x2), svg_py(c, y2));
	va_start(ap, attrs);
	svg_close_attrs(c->f, attrs, ap);
	va_end(ap);
}

static void svg_shape_px(FILE *f, char shape, double x, double y, const char *cls)
{
	switch (shape) {
	case 'x':
		fprintf(f, "<path class=\"%s\" d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\"", cls,
			x - 4, y - 4, x + 4, y + 4, x - 4, y + 4, x + 4, y - 4);
		break;
	case 's':
		fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\"", cls,
			x - 3, y - 3);
		break;
	default:
		fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"", cls, x, y);
	}
}

void svg_mark(struct svg_chart *c, char shape, double x, double y, const char *cls,
	      const char *attrs, ...)
{
	va_list ap;

	svg_shape_px(c->f, shape, svg_px(c, x), svg_py(c, y), cls);
	va_start(ap, attrs);
	svg_close_attrs(c->f, attrs, ap);
	va_end(ap);
}

void svg_series_begin(struct svg_chart *c, const char *cls, const char *name)
{
	fprintf(c->f, "<polyline class=\"%s\" fill=\"none\" data-series=\"", cls);
	svg_escape(c->f, name);
	fputs("\" points=\"", c->f);
	c->path_started = false;
}

void svg_series_point(struct svg_chart *c, double x, double y, bool step)
{
	double px = svg_px(c, x), py = svg_py(c, y);

	if (step && c->path_started)
		fprintf(c->f, " %.1f,%.1f", px, c->last_py);
	fprintf(c->f, "%s%.1f,%.1f", c->path_started ? " " : "", px, py);
	c->last_py = py;
	c->path_started = true;
}

void svg_series_end(struct svg_chart *c)
{
	fputs("\"/>\n", c->f);
}

void svg_legend(struct svg_chart *c, char shape, const char *cls, const char *label)
{
	double x = c->right + 15, y = c->top + 10 + 20.0 * c->legend_n;

	if (c->open_path) {
		fputs("</g>\n", c->f);
		c->open_path = false;
	}
	fprintf(c->f, "<g class=\"legend\">");
	if (shape == '-')
		fprintf(c->f,
			"<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls,
			x, y, x + 22, y);
	else
		svg_shape_px(c->f, shape, x + 11, y, cls), fputs("/>", c->f);
	fprintf(c->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"legendtext\">", x + 30, y + 4);
	svg_escape(c->f, label);
	fputs("</text></g>\n", c->f);
	c->legend_n++;
}

void svg_note(struct svg_chart *c, const char *text)
{
	if (c->open_path) {
		fputs("</g>\n", c->f);
		c->open_path = false;
	}
	svg_text(c->f, c->left, SVG_H - 12, "start", "note", text);
}

int svg_end(struct svg_chart *c)
{
	int err = 0;

	if (!c->f)
		return -EBADF;
	if (c->open_path)
		fputs("</g>\n", c->f);
	fputs("</svg>\n", c->f);
	if (ferror(c->f))
		err = -EIO;
	if (fclose(c->f) != 0 && !err)
		err = -errno;
	c->f = NULL;
	return err;
}
