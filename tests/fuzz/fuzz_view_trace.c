/* libFuzzer target: usertcp view's reader of trace lines (tools/view.c),
 * which reads files a user is handed. Each input line goes through the
 * same parse as the page's, and an event it accepts through the narrative
 * printer, whose line must fit what it said it wanted, and through the
 * connection key of --conn. The page itself is
 * not written (no file is touched). */
#include <stdint.h>
#include <string.h>

/* The page's sources are not needed here: empty stand-ins. */
const unsigned char view_html[1], view_css[1], view_js[1];
const size_t view_html_len, view_css_len, view_js_len;

#include "../../tools/view.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char store[VIEW_LINE_MAX], text[VIEW_LINE_MAX];
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct ut_trace_event ev;

		if (len < VIEW_LINE_MAX && !parse_event(p, len, &ev, store, sizeof(store))) {
			int n = ut_trace_format_text(&ev, text, sizeof(text));
			struct view_conn c;
			if (n < 0 || (size_t)n >= sizeof(text) || strlen(text) != (size_t)n)
				__builtin_trap();
			/* --conn's key: both ends named, the lower first */
			if (event_conn(&ev, &c) && (!c.pa || !c.pb || !conn_equal(&c, &c)))
				__builtin_trap();
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}
