// SPDX-License-Identifier: GPL-2.0-or-later
/* outbuf.c - the output buffer of the reports (include/folioscope/outbuf.h). */
#include <stdarg.h>
#include <stdio.h>

#include "folioscope/outbuf.h"

void fs_outbuf_init(struct fs_outbuf *o, FILE *f, char *buf, size_t size)
{
	o->f = f;
	o->start = o->p = buf;
	o->end = buf + size;
}

void fs_outbuf_flush(struct fs_outbuf *o)
{
	if (o->p > o->start)
		fwrite_unlocked(o->start, 1, (size_t)(o->p - o->start), o->f);
	o->p = o->start;
}

void fs_outbuf_write_slow(struct fs_outbuf *o, const void *s, size_t n)
{
	fs_outbuf_flush(o);
	if (n <= (size_t)(o->end - o->p)) {
		memcpy(o->p, s, n);
		o->p += n;
	} else {
		fwrite_unlocked(s, 1, n, o->f);
	}
}

void fs_outbuf_printf(struct fs_outbuf *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = (size_t)(o->end - o->p);
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->p, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		o->p += n;
		return;
	}
	/* Did not fit (vsnprintf wants room for its NUL too): again on an
	 * empty buffer, or straight to the FILE if longer than the buffer. */
	fs_outbuf_flush(o);
	va_start(ap, fmt);
	if ((size_t)n < (size_t)(o->end - o->p))
		o->p += vsnprintf(o->p, (size_t)(o->end - o->p), fmt, ap);
	else
		vfprintf(o->f, fmt, ap);
	va_end(ap);
}
