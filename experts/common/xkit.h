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
 * - Options: the keys an expert accepts, as a table (xk_option) that parses
 *   a configuration into the expert's own structure and tells whether one is
 *   valid.
 * - Events: the one NMEVENTDATA a Run fills and submits for every event,
 *   and its columns.
 * - Run plumbing: the start of a Run, the startup information, the failure
 *   status, a refused configuration, Register and a Configure that supplies
 *   defaults.
 *
 * Memory: xk_event_alloc (and xk_run_begin through it) allocates the event
 * with ExpertAllocMemory; the expert owns it and frees it with
 * ExpertFreeMemory. xk_configure_defaults allocates the configuration it
 * returns (owned by the host's session as Configure's result). Nothing else
 * here allocates.
 */
#ifndef NMX_EXPERTS_XKIT_H
#define NMX_EXPERTS_XKIT_H

#include <stddef.h>
#include <stdint.h>

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

/* One key an expert accepts: its name, what its value is, and where in the
 * expert's configuration structure the value goes (offsetof). A value is
 * stored only when it is valid: a bad one leaves the field as it was.
 *   XK_OPT_U32     a DWORD: a decimal whole number in [min, max], of at most
 *                  `digits` digits when that is not 0 (xk_parse_u32);
 *   XK_OPT_CHOICE  an int: the index of the value in `names` (NULL-ended);
 *   XK_OPT_BOOL    an int: xk_parse_bool's 1 or 0;
 *   XK_OPT_TEXT    a char[size]: the value, not empty and shorter than size,
 *                  NUL-terminated; the int at offset `given` becomes 1. */
typedef enum xk_opt_kind { XK_OPT_U32, XK_OPT_CHOICE, XK_OPT_BOOL, XK_OPT_TEXT } xk_opt_kind;
typedef struct xk_option {
    const char *key;
    xk_opt_kind kind;
    size_t      field;
    DWORD       min, max;    /* XK_OPT_U32    */
    size_t      digits;      /* XK_OPT_U32    */
    const char *const *names; /* XK_OPT_CHOICE */
    size_t      size, given; /* XK_OPT_TEXT   */
} xk_option;

/* The keys of an expert: opts[0..n). */
typedef struct xk_options {
    const xk_option *opts;
    size_t           n;
} xk_options;

/* Parses cfg into conf (the structure the offsets point into, holding the
 * expert's defaults; NULL only checks): each valid value goes to its field,
 * unknown keys and bad values to *notes (cleared by the caller). */
void xk_options_parse(const xk_options *o, const EXPERTCONFIG *cfg, void *conf, xk_notes *notes);

/* cfg holds known keys with valid values only (what Configure keeps). */
int xk_options_valid(const xk_options *o, const EXPERTCONFIG *cfg);

/* Events. A Run fills one NMEVENTDATA with room for `columns` columns for
 * each event it submits (the host copies what it keeps). NULL with *err set
 * (xk_alloc_error) when it cannot be had. */
PNMEVENTDATA xk_event_alloc(HEXPERTKEY key, DWORD columns, DWORD *err);

/* Clears ev and its `columns` columns, then sets EventIdent, Flags
 * NMEVENTFLAG_EXPERT, Severity NMEVENT_SEVERITY_INFORMATIONAL and the texts
 * (the expert keeps them alive until the event is submitted). */
void xk_event_reset(PNMEVENTDATA ev, DWORD columns, DWORD ident, LPSTR source, LPSTR name,
                    LPSTR desc, JTYPE just);

/* Appends a column of that type to ev (the room for it is the caller's
 * business); the value is then set through the result. */
NMCOLUMNINFO *xk_col(PNMEVENTDATA ev, LPSTR name, NMCOLUMNTYPE type);
/* A UINT32 column; a value above 4294967295 shows as 4294967295 and sets
 * *clamped to 1 (when clamped is not NULL). */
void xk_col_u32(PNMEVENTDATA ev, LPSTR name, uint64_t v, int *clamped);
void xk_col_str(PNMEVENTDATA ev, LPSTR name, LPCSTR s);
void xk_col_f64(PNMEVENTDATA ev, LPSTR name, double v);

/* A configuration Run refuses: ev becomes the error event (EventIdent
 * `ident`, the name "Configuration refused", msg as its description), is
 * submitted, and EXPERTSTATUS_PROBLEM reports NMERR_INVALID_PARAMETER with
 * msg. Returns NMERR_EXPERT_TERMINATE when the host asked the expert to stop
 * (no status then), else NMERR_INVALID_PARAMETER. */
DWORD xk_refuse(HEXPERTKEY key, PNMEVENTDATA ev, DWORD columns, DWORD ident, LPSTR source,
                char *msg);

/* The startup information: `given` when the host passed it, else fetched
 * into *buf. NULL with *err set when it cannot be had. */
PEXPERTSTARTUPINFO xk_startup(HEXPERTKEY key, PEXPERTSTARTUPINFO given, EXPERTSTARTUPINFO *buf,
                              DWORD *err);

/* The start of a Run: the startup information (xk_startup, into *si), an
 * EXPERTSTATUS_STARTING report with `status`, then the event (*ev, with room
 * for `columns` columns). An error ends the start where it happens:
 * NMERR_EXPERT_TERMINATE when the host asked the expert to stop at the
 * report, otherwise that of the startup information or of the allocation. */
DWORD xk_run_begin(HEXPERTKEY key, PEXPERTSTARTUPINFO *si, EXPERTSTARTUPINFO *buf,
                   const char *status, DWORD columns, PNMEVENTDATA *ev);

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
 * xk_options_valid says so (else FALSE); none yet -> a new one holding the
 * `defaults` block (size bytes: the strings, their NULs and the final NUL). */
BOOL xk_configure_defaults(HEXPERTKEY key, PEXPERTCONFIG *pp, const char *defaults, size_t size,
                           const xk_options *o);

/* Defines the expert's Configure as xk_configure_defaults: no dialog (with
 * or without a window), the defaults a string literal of "key=value\0"
 * items (its own final NUL ends the block), the options an xk_options. */
#define XK_CONFIGURE_WITH_DEFAULTS(defaults, options)                                            \
    NMAPI_EXPORT BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig,           \
                                       PEXPERTSTARTUPINFO pExpertStartupInfo, DWORD StartupFlags, \
                                       HWND hWnd)                                                 \
    {                                                                                            \
        static const char block[] = defaults;                                                    \
        (void)pExpertStartupInfo;                                                                \
        (void)StartupFlags;                                                                      \
        (void)hWnd;                                                                              \
        return xk_configure_defaults(hExpertKey, ppConfig, block, sizeof block, (options));      \
    }

#endif
