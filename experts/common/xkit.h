/*
 * xkit.h: what the built-in experts share, written against netmon.h only
 * (like the experts themselves: no library internals).
 *
 * - Configuration: a Network Monitor EXPERTCONFIG holding "key=value"
 *   strings, each ended by a NUL, the list ended by an empty string; the
 *   first DWORD (RawConfigLength) counts the whole block, itself included
 *   (docs/writing-an-expert.md, "Configuration").
 * - Notes: the unknown keys and the bad "key=value" items of a configuration,
 *   comma-separated, for the error that names them.
 * - Run plumbing: the startup information, the failure status, Register and
 *   a Configure that supplies defaults.
 *
 * Nothing here allocates except xk_configure_defaults (ExpertAllocMemory,
 * owned by the host's session as Configure's result).
 */
#ifndef NMX_EXPERTS_XKIT_H
#define NMX_EXPERTS_XKIT_H

#include <stddef.h>

#include "netmon.h"

/* One item of a configuration: "key=value" (has_value 1) or "key" alone. */
typedef struct xk_item {
    const char *key, *val, *whole;
    size_t klen, vlen, wlen;
    int has_value;
} xk_item;

/* Calls fn(ud, item) for each item of cfg, in order; nothing when cfg is
 * NULL or empty. A malformed block (no final NUL) ends at its last byte. */
void xk_config_walk(const EXPERTCONFIG *cfg, void (*fn)(void *ud, const xk_item *it), void *ud);

/* s[0..n) equals the NUL-terminated lit. */
int xk_is(const char *s, size_t n, const char *lit);

/* A decimal whole number in [min, max] (digits only, no sign, no spaces). */
int xk_parse_u32(const char *v, size_t n, DWORD min, DWORD max, DWORD *out);

/* "yes"/"1" -> 1, "no"/"0" -> 0; anything else -> -1. */
int xk_parse_bool(const char *v, size_t n);

/* The unknown keys and bad items of a configuration, each list
 * comma-separated and cut with "..." when it would overflow. */
#define XK_NOTE_MAX 512
typedef struct xk_notes {
    char unknown[XK_NOTE_MAX];
    char invalid[XK_NOTE_MAX];
} xk_notes;

void xk_note_unknown(xk_notes *n, const xk_item *it); /* records the key   */
void xk_note_invalid(xk_notes *n, const xk_item *it); /* records key=value */
int xk_notes_bad(const xk_notes *n);

/* "Name: configuration refused: bad value a=b; unknown key c. <accepts>." */
void xk_notes_text(const xk_notes *n, const char *expert, const char *accepts, char *buf,
                   size_t len);

/* The startup information: `given` when the host passed it, else fetched
 * into *buf. NULL with *err set when it cannot be had. */
PEXPERTSTARTUPINFO xk_startup(HEXPERTKEY key, PEXPERTSTARTUPINFO given, EXPERTSTARTUPINFO *buf,
                              DWORD *err);

/* The end of a failed Run (after the expert freed its memory): TRUE when the
 * host asked it to stop (NMERR_EXPERT_TERMINATE), otherwise
 * EXPERTSTATUS_PROBLEM with "<expert> stopped: error N" and FALSE. */
BOOL xk_fail(HEXPERTKEY key, const char *expert, DWORD err);

/* ExpertAllocMemory's error as Run reports it (NMERR_OUT_OF_MEMORY unless
 * the host said something more precise). */
DWORD xk_alloc_error(DWORD e);

/* Progress of a forward scan: an EXPERTSTATUS_RUNNING report each time
 * the scan passes a multiple of XK_PROGRESS_EVERY frames (frame numbers, so
 * that a filter that skips most frames changes nothing), PercentDone 0, which leaves the share done
 * to the host (it knows how far into the file the frame lies). The expert
 * thus never asks for the frame count before its scan: on a capture the
 * host reads as frames are asked for, that would read the whole file once
 * more (docs/writing-an-expert.md, "Progress"). */
#define XK_PROGRESS_EVERY 4096u
typedef struct xk_progress {
    HEXPERTKEY  key;
    const char *text;
    DWORD       next; /* the frame number of the next report */
} xk_progress;
void xk_progress_init(xk_progress *p, HEXPERTKEY key, const char *text);
/* After each frame of the scan (its number): NMERR_EXPERT_TERMINATE when
 * the host asked the expert to stop, else NMERR_SUCCESS. */
DWORD xk_progress_step(xk_progress *p, DWORD frame);

/* Register's answer: the name, vendor "nmexpert", description, version 1. */
BOOL xk_register(PEXPERTENUMINFO info, const char *name, const char *description, DWORD flags);

/* Configure without a dialog: an existing configuration is kept when
 * valid(cfg) says so (else FALSE); none yet -> a new one holding the
 * `defaults` block (size bytes: the strings, their NULs and the final NUL). */
BOOL xk_configure_defaults(HEXPERTKEY key, PEXPERTCONFIG *pp, const char *defaults, size_t size,
                           int (*valid)(const EXPERTCONFIG *cfg));

#endif
