/*
 * netmon.c: Network Monitor capture files, 1.x ("RTSS") and 2.0-2.3 ("GMBU").
 *
 * Header (72 bytes used, little-endian): magic, minor, major, MacType,
 * SYSTEMTIME of the capture start (local time, no zone: read as UTC),
 * FrameTableOffset/Length, user data, comment (2.0: text; 2.2+: per-frame
 * comment table), statistics / process table, network info.
 * The frame table (4-byte absolute record offsets) is used in place.
 * Records: 1.x: ms delta (u32), original (u16), captured (u16), data.
 *          2.x: FRAME = µs delta (u64), original (u32), captured (u32),
 *          data, then a trailer of 0 / 2 / 6 / 15 bytes for 2.0 / 2.1 / 2.2 /
 *          2.3 (media type u16, process index u32, UTC FILETIME u64, tz u8).
 *
 * A frame table that is missing, past the end of the file or otherwise
 * damaged is rebuilt by scanning the records from the first one (offset 72
 * or 128, whichever yields a longer plausible run). A single entry pointing
 * outside the file ends the frame list there (the frames before it are kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/internal.h"

#define NM_HDR_LEN 72u

static const unsigned nm_trailer_len[4] = { 0, 2, 6, 15 };

/* A little-endian header field through the cursor (0 when the file is too
 * short to hold it: netmon_open() refuses such a file first). */
static uint32_t nm_hdr32(const nmx_cursor *c, uint64_t off)
{
    uint32_t v = 0;
    (void)nmx_cur_u32le(c, off, &v);
    return v;
}

static nmx_probe_result netmon_probe(nmx_capture *cap, nmx_diag *diag)
{
    (void)diag;
    const uint8_t *p = nmx_cur_ptr(&cap->cur, 0, 4);
    if (p && (memcmp(p, "RTSS", 4) == 0 || memcmp(p, "GMBU", 4) == 0))
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

/* pcap LINKTYPE_* of a Network Monitor media type (spec §11.5). */
static uint32_t nm_media_linktype(uint16_t m)
{
    switch (m) {
    case 0:
    case 1: return 1;      /* Ethernet (0 is seen with Ethernet frames) */
    case 2: return 6;      /* LINKTYPE_IEEE802_5 */
    case 3: return 10;     /* LINKTYPE_FDDI */
    case 5: return 138;    /* LINKTYPE_APPLE_IP_OVER_IEEE1394 */
    case 7:
    case 8:
    case 9: return 101;    /* LINKTYPE_RAW */
    default:
        if (m >= 0xE000 && m < 0xE080)
            return (uint32_t)m - 0xE000u;   /* converted from pcap */
        return NMX_LINKTYPE_NONE;           /* ATM pseudo-header, 802.11 metadata, ETW ... */
    }
}

static uint16_t nm_media_mactype(uint16_t m)
{
    if (m == 0)
        return NMX_MAC_TYPE_ETHERNET;
    return m <= 5 ? m : NMX_MAC_TYPE_UNKNOWN;
}

/* Lengths of the record at off; false when the record does not fit in
 * [0, limit) or breaks the ceilings. */
/* (always inlined: out of line it cost the scan a call twice a frame,
 * bench/README.md "Latest figures (2026-12-05, 03:20-04:40 UTC)") */
static inline __attribute__((always_inline)) bool
nm_record(const nmx_capture *cap, uint64_t off, uint64_t limit, uint32_t *caplen,
          uint32_t *wirelen)
{
    if (off < NM_HDR_LEN || off > limit || limit - off < cap->nm_hdr)
        return false;
    /* The record header is inside [0, limit), limit <= the file's size:
     * checked above, once for all its fields. */
    const uint8_t *r = cap->cur.base + off;
    if (cap->nm_hdr == 8) {
        *wirelen = nmx_ld16le(r + 4);
        *caplen = nmx_ld16le(r + 6);
    } else {
        *wirelen = nmx_ld32le(r + 8);
        *caplen = nmx_ld32le(r + 12);
    }
    if (*caplen > NMX_CAPTURE_MAX_CAPLEN)
        return false;
    return limit - off - cap->nm_hdr >= (uint64_t)*caplen + cap->nm_trailer;
}

static bool nm_media_known(uint16_t m)
{
    return m <= 11 || (m >= 0xE000 && m <= 0xE08A) || m == 0xFFE0 || m >= 0xFFFB;
}

/* FILETIME of 1990-01-01 and 2200-01-01: the plausible range when scanning. */
#define NM_FT_MIN UINT64_C(122756256000000000)
#define NM_FT_MAX UINT64_C(189025920000000000)

/* Plausible record for scanning: fits, within ceilings, 0 < captured <=
 * original; 2.1+: a known media type; 2.3: a UTC time between 1990 and 2200. */
static bool nm_plausible(const nmx_capture *cap, uint64_t off, uint64_t limit, uint32_t *caplen)
{
    uint32_t wl;
    if (!nm_record(cap, off, limit, caplen, &wl))
        return false;
    if (*caplen == 0 || *caplen > wl || wl > NMX_NETMON_MAX_WIRELEN)
        return false;
    /* nm_record() proved the trailer is inside the file. */
    const uint8_t *tr = cap->cur.base + off + cap->nm_hdr + *caplen;
    if (cap->nm_trailer >= 2 && !nm_media_known(nmx_ld16le(tr)))
        return false;
    if (cap->nm_trailer >= 15) {
        uint64_t ft = nmx_ld64le(tr + 6);
        if (ft < NM_FT_MIN || ft > NM_FT_MAX)
            return false;
    }
    return true;
}

static uint64_t nm_scan(nmx_capture *cap, uint64_t start, uint64_t limit, uint64_t max, bool push,
                        nmx_err *err)
{
    uint64_t n = 0, off = start, done = start;
    uint32_t caplen;
    *err = NMX_OK;
    while (n < max && nm_plausible(cap, off, limit, &caplen)) {
        nmx_source_pass(&cap->src, &done, off);
        if (push && (*err = nmx_cap_index_push(cap, off)) != NMX_OK)
            break;
        n++;
        off += cap->nm_hdr + (uint64_t)caplen + cap->nm_trailer;
    }
    return n;
}

static int cmp_comment(const void *a, const void *b)
{
    uint32_t x = ((const nmx_nm_comment *)a)->record_offset;
    uint32_t y = ((const nmx_nm_comment *)b)->record_offset;
    return x < y ? -1 : x > y;
}

/* Per-frame comment table (2.2+). Damage here only loses comments. */
static nmx_err nm_comments(nmx_capture *cap, nmx_diag *diag)
{
    const nmx_cursor *c = &cap->cur;
    uint32_t ofs = nm_hdr32(c, 40), len = nm_hdr32(c, 44);
    if (len == 0)
        return NMX_OK;
    nmx_diag w;
    if (ofs < NM_HDR_LEN || !nmx_cur_has(c, ofs, len)) {
        nmx_cap_diag(cap, &w, NMX_ECORRUPT, 40, (uint64_t)ofs + len, c->size,
                     "comment table at offset %u, length %u, is outside the file (size %llu); "
                     "frame comments ignored",
                     ofs, len, (unsigned long long)c->size);
        nmx_cap_warn(cap, &w);
        return NMX_OK;
    }
    const uint64_t end = (uint64_t)ofs + len;
    size_t count = 0;
    uint64_t text = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t pos = ofs;
        size_t i = 0, arena_used = 0;
        while (end - pos >= 12) {
            /* [pos, end) lies in the table, which nmx_cur_has() placed in
             * the file; each length below is checked against end first. */
            const uint8_t *r = c->base + pos;
            uint32_t rec = nmx_ld32le(r + 4), tlen = nmx_ld32le(r + 8);
            if (tlen > end - pos - 12 || end - pos - 12 - tlen < 4) {
                if (pass == 0) {
                    nmx_cap_diag(cap, &w, NMX_ECORRUPT, pos + 8, tlen, end - pos - 12,
                                 "comment title length %u runs past the comment table "
                                 "(%llu bytes left); later comments ignored",
                                 tlen, (unsigned long long)(end - pos - 12));
                    nmx_cap_warn(cap, &w);
                }
                break;
            }
            uint32_t dlen = nmx_ld32le(r + 12 + tlen);
            if (dlen > end - pos - 16 - tlen) {
                if (pass == 0) {
                    nmx_cap_diag(cap, &w, NMX_ECORRUPT, pos + 12 + tlen, dlen,
                                 end - pos - 16 - tlen,
                                 "comment description length %u runs past the comment table "
                                 "(%llu bytes left); later comments ignored",
                                 dlen, (unsigned long long)(end - pos - 16 - tlen));
                    nmx_cap_warn(cap, &w);
                }
                break;
            }
            if (pass == 0) {
                count++;
                text += tlen;
            } else {
                char *dst = cap->nm_arena + arena_used;
                size_t n = nmx_utf16le_to_utf8(r + 12, tlen, dst);
                while (n && dst[n - 1] == '\0')   /* titles may carry their NUL */
                    n--;
                if (n) { /* a title of NULs only is no comment (capture.h: NULL) */
                    nmx_nm_comment *cm = &cap->nm_comments[i++];
                    cm->record_offset = rec;
                    cm->text = dst;
                    cm->len = (uint32_t)n;
                    arena_used += n + 1;
                }
            }
            pos += 16u + (uint64_t)tlen + dlen;
        }
        if (pass == 0) {
            if (count == 0)
                return NMX_OK;
            /* count <= len / 16 and text <= len: both bounded by the file. */
            cap->nm_comments = calloc(count, sizeof *cap->nm_comments);
            cap->nm_arena = malloc((size_t)(text / 2 * 3 + text % 2 + count));
            if (!cap->nm_comments || !cap->nm_arena)
                return nmx_cap_diag(cap, diag, NMX_ENOMEM, ofs, count, 0, "out of memory");
        } else {
            cap->nm_ncomments = i;
        }
    }
    qsort(cap->nm_comments, cap->nm_ncomments, sizeof *cap->nm_comments, cmp_comment);
    return NMX_OK;
}

/* The SYSTEMTIME (8 little-endian WORDs) at off. */
static bool systemtime_to_ns(const nmx_cursor *c, uint64_t off, int64_t *ns)
{
    const uint8_t *st = nmx_cur_ptr(c, off, 16);
    if (!st)
        return false;
    unsigned y = nmx_ld16le(st), mo = nmx_ld16le(st + 2), d = nmx_ld16le(st + 6);
    unsigned h = nmx_ld16le(st + 8), mi = nmx_ld16le(st + 10), s = nmx_ld16le(st + 12);
    unsigned ms = nmx_ld16le(st + 14);
    /* SYSTEMTIME years are 1601-30827; ns since 1970 saturate past 2262. */
    if (y < 1601 || y > 30827 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 59 || ms > 999)
        return false;
    int64_t days = nmx_days_from_civil((int64_t)y, mo, d);
    int64_t secs = days * 86400 + (int64_t)(h * 3600 + mi * 60 + s);
    *ns = nmx_sat_add(nmx_sat_mul(secs, NMX_NS_PER_SEC), (int64_t)ms * 1000000);
    return true;
}

/* Checks the records that entries [i, end) of the frame table `tbl` (n
 * entries, inside the file) name, noting their link types and handing back
 * what lies behind the pass (*tbl_done, *rec_done: nmx_source_pass). With a
 * search (fl, NULL otherwise; find.h), offers each good record to its
 * predicate, and stops after the record that fills its list (*full).
 * Returns the first entry whose record is bad, or where it stopped. */
static uint64_t nm_check_records(nmx_capture *cap, const uint8_t *tbl, uint64_t n, uint64_t i,
                                 uint64_t end, uint64_t *tbl_done, uint64_t *rec_done,
                                 nmx__find *fl, uint64_t *chunk, bool *full)
{
    const uint8_t *b = cap->cur.base;
    const uint64_t toff = (uint64_t)(tbl - b);
    /* Where each pass (table, records) releases next is kept here
     * (nmx_source_pass_at): a record costs two compares. */
    uint64_t tbl_at = nmx_source_pass_at(&cap->src, *tbl_done);
    uint64_t rec_at = nmx_source_pass_at(&cap->src, *rec_done);
    for (; i < end; i++) {
        uint32_t roff = nmx_ld32le(tbl + 4 * i);
        if (toff + 4 * i >= tbl_at) {
            nmx_source_pass(&cap->src, tbl_done, toff + 4 * i);
            tbl_at = nmx_source_pass_at(&cap->src, *tbl_done);
        }
        if (roff >= rec_at) {
            nmx_source_pass(&cap->src, rec_done, roff);
            rec_at = nmx_source_pass_at(&cap->src, *rec_done);
        }
        /* records are read through the table: ask for the ones a few
         * entries ahead now (a hint; never faults) */
        if (i + 16 < n)
            __builtin_prefetch(b + nmx_ld32le(tbl + 4 * (i + 16)));
        uint32_t caplen, wirelen;
        if (!nm_record(cap, roff, cap->cur.size, &caplen, &wirelen))
            break;
        uint16_t media = cap->nm_mactype;
        if (cap->nm_trailer)
            media = nmx_ld16le(b + roff + cap->nm_hdr + caplen);
        uint32_t lt = nm_media_linktype(media);
        nmx_cap_note_linktype(cap, lt);
        if (fl && nmx__find_walked(fl, cap, chunk, i, i, roff,
                                   cap->nm_hdr + (uint64_t)caplen + cap->nm_trailer,
                                   b + roff + cap->nm_hdr, caplen, wirelen, lt)) {
            *full = true; /* the walk ends after this frame */
            return i + 1;
        }
    }
    return i;
}

/* The diagnosis of table entry i, whose record is bad. */
static void nm_bad_record(const nmx_capture *cap, const uint8_t *tbl, uint64_t i, nmx_diag *d)
{
    uint32_t roff = nmx_ld32le(tbl + 4 * i);
    nmx_cap_diag(cap, d, NMX_ECORRUPT, (uint64_t)(tbl - cap->cur.base) + 4 * i, roff,
                 cap->cur.size,
                 "frame table entry %llu: record at offset %u is outside the file "
                 "(size %llu) or damaged",
                 (unsigned long long)i, roff, (unsigned long long)cap->cur.size);
}

/* ---- incremental opens (NMX_CAPTURE_INCREMENTAL) ------------------------
 *
 * The frame table is at hand from the start, so only the check of the
 * records it names is left to do: it is done as frames are asked for, in
 * batches of NM_LAZY_BATCH / 512 entries, by the same test as at open, with
 * the same warning when a record is bad. The scan that follows then maps
 * each page of the file once, where an open that checks everything first
 * maps it twice (its pass hands the pages back behind it to keep the
 * memory bounded). */

#define NM_LAZY_BATCH (256u << 10) /* NMX_CAPTURE_BATCH in the environment */

/* Checks records as far as frame want (at least a batch), or to the end or
 * the first bad record; with a search (fl), runs its predicate on each
 * record checked (find.h: the list is made anew when the walk starts at or
 * before want). */
static void nm_walk(nmx_capture *cap, uint64_t want, const volatile int *stop, nmx__find *fl)
{
    nmx__cap_lazy_lock(cap);
    uint64_t i = cap->nframes;
    if (__atomic_load_n(&cap->lazy_done, __ATOMIC_RELAXED) || i > want) {
        nmx__cap_lazy_unlock(cap);
        return;
    }
    if (fl)
        nmx__find_begin(fl, cap, want);
    const uint64_t n = cap->nm_entries, start = i;
    const uint64_t batch = cap->lazy_batch / 512 ? cap->lazy_batch / 512 : 1;
    uint64_t target = want >= n ? n : want + 1;
    if (target < i + batch)
        target = i + batch < n ? i + batch : n;
    bool bad = false, full = false;
    uint64_t chunk = UINT64_MAX;
    while (i < target && !bad && !full) {
        /* a stop request is looked at between batches */
        if (stop && i > start && __atomic_load_n(stop, __ATOMIC_RELAXED))
            break;
        uint64_t end = target - i > batch ? i + batch : target;
        uint64_t j = nm_check_records(cap, cap->nm_table, n, i, end, &cap->nm_tbl_done,
                                      &cap->nm_rec_done, fl, &chunk, &full);
        bad = j < end && !full;
        i = j;
    }
    __atomic_store_n(&cap->nframes, i, __ATOMIC_RELEASE); /* (for the message too) */
    if (bad) {
        nmx_diag d;
        nm_bad_record(cap, cap->nm_table, i, &d);
        /* not strict: a warning, where the check at open would have put
         * it (before the comment table's) */
        (void)nmx_cap_damage_at(cap, &d, NULL, cap->nm_warn_at);
    }
    if (bad || i >= n)
        __atomic_store_n(&cap->lazy_done, true, __ATOMIC_RELEASE);
    if (fl)
        fl->to = i;
    nmx__cap_lazy_unlock(cap);
}

static void netmon_extend(nmx_capture *cap, uint64_t want, const volatile int *stop)
{
    nm_walk(cap, want, stop, NULL);
}

static uint64_t netmon_limit(const nmx_capture *cap)
{
    return cap->nm_entries;
}

static nmx_err netmon_open(nmx_capture *cap, nmx_diag *diag)
{
    const nmx_cursor *c = &cap->cur;
    const uint8_t *b = c->base;
    const uint8_t *magic = nmx_cur_ptr(c, 0, 4);
    bool v1 = magic && memcmp(magic, "RTSS", 4) == 0;
    cap->format = v1 ? NMX_FORMAT_NETMON1 : NMX_FORMAT_NETMON2;
    snprintf(cap->format_name, sizeof cap->format_name, "netmon");
    if (!nmx_cur_has(c, 0, NM_HDR_LEN))
        return nmx_cap_diag(cap, diag, NMX_ETRUNCATED, 0, c->size, NM_HDR_LEN,
                            "Network Monitor file header truncated: %llu bytes, needs %u",
                            (unsigned long long)c->size, NM_HDR_LEN);
    unsigned minor = b[4], major = b[5];
    cap->ver_major = major;
    cap->ver_minor = minor;
    snprintf(cap->format_name, sizeof cap->format_name, "netmon %u.%u", major, minor);
    if (v1 ? major != 1 : (major != 2 || minor > 3))
        return nmx_cap_diag(cap, diag, NMX_EUNSUPPORTED, 4, major << 8 | minor,
                            v1 ? 0x1FFu : 0x203u,
                            "Network Monitor version %u.%u unsupported (%s are read)", major,
                            minor, v1 ? "1.x" : "2.0 to 2.3");
    cap->nm_hdr = v1 ? 8 : 16;
    cap->nm_trailer = v1 ? 0 : nm_trailer_len[minor];
    (void)nmx_cur_u16le(c, 6, &cap->nm_mactype);
    cap->mac_type = cap->nm_mactype <= 5 ? cap->nm_mactype : NMX_MAC_TYPE_UNKNOWN;
    if (systemtime_to_ns(c, 8, &cap->nm_start_ns)) {
        cap->has_start = true;
        cap->start_ns = cap->nm_start_ns;
    } else {
        nmx_diag w;
        nmx_cap_diag(cap, &w, NMX_ECORRUPT, 8, 0, 0,
                     "capture start time (SYSTEMTIME) is not a valid date; frame times are "
                     "relative to 1970-01-01");
        nmx_cap_warn(cap, &w);
    }

    /* Frame table. */
    uint32_t toff = nm_hdr32(c, 24), tlen = nm_hdr32(c, 28);
    uint64_t max_entries = (c->size - NM_HDR_LEN) / cap->nm_hdr;
    nmx_diag why;
    bool damaged = true, empty = false;
    if (tlen == 0) {
        empty = true;
        nmx_cap_diag(cap, &why, NMX_ECORRUPT, 28, 0, 4, "frame table length is 0");
    } else if (tlen % 4) {
        nmx_cap_diag(cap, &why, NMX_ECORRUPT, 28, tlen, 4,
                     "frame table length %u is not a multiple of 4", tlen);
    } else if (toff < NM_HDR_LEN || !nmx_cur_has(c, toff, tlen)) {
        nmx_cap_diag(cap, &why, NMX_ETRUNCATED, 24, (uint64_t)toff + tlen, c->size,
                     "frame table at offset %u, length %u, runs past the end of the file "
                     "(size %llu)",
                     toff, tlen, (unsigned long long)c->size);
    } else if (tlen / 4 > max_entries) {
        nmx_cap_diag(cap, &why, NMX_ECORRUPT, 28, tlen / 4, max_entries,
                     "frame table of %u entries exceeds the %llu records the file can hold",
                     tlen / 4, (unsigned long long)max_entries);
    } else {
        damaged = false;
    }

    uint32_t caplen0, wirelen0;
    if (!damaged && (cap->flags & NMX_CAPTURE_INCREMENTAL) &&
        !(cap->flags & NMX_CAPTURE_STRICT) &&
        nm_record(cap, nmx_ld32le(b + toff), c->size, &caplen0, &wirelen0)) {
        /* Incremental: the records are checked as frames are asked for
         * (netmon_extend); a first record that is already bad takes the
         * recovery below, as without the flag. */
        cap->nm_table = b + toff;
        cap->nm_entries = tlen / 4;
        cap->nm_tbl_done = toff;
        cap->nm_rec_done = 0;
        cap->lazy = true;
        cap->lazy_hot = UINT64_MAX; /* the scan's look-ahead stays on (capture.c) */
        const char *bs = getenv("NMX_CAPTURE_BATCH"); /* tests: small batches */
        cap->lazy_batch = bs && *bs ? strtoull(bs, NULL, 10) : NM_LAZY_BATCH;
        cap->nm_warn_at = cap->nwarnings;
        netmon_extend(cap, 0, NULL);
    } else if (!damaged) {
        /* The table lies in the file (nmx_cur_has() above): its entries
         * are loaded without a check each; the records they name are
         * checked by nm_record(). */
        const uint8_t *tbl = b + toff;
        uint64_t n = tlen / 4;
        uint64_t rec_done = 0, tbl_done = toff; /* release behind the pass */
        bool full = false;
        uint64_t i = nm_check_records(cap, tbl, n, 0, n, &tbl_done, &rec_done, NULL, NULL,
                                      &full);
        if (i == n || i > 0) {
            cap->nm_table = tbl;
            cap->nframes = i;
        }
        if (i < n && i > 0) {
            nmx_diag d;
            nm_bad_record(cap, tbl, i, &d);
            nmx_err e = nmx_cap_damage(cap, &d, diag);
            if (e != NMX_OK)
                return e;
        } else if (i < n) {
            damaged = true;
            nm_bad_record(cap, tbl, 0, &why);
        }
    }

    if (damaged) {
        if (cap->flags & (NMX_CAPTURE_NO_RECOVER | NMX_CAPTURE_STRICT)) {
            if (diag)
                *diag = why;
            return why.code;
        }
        /* Records end before the first table that lies after them. */
        uint64_t limit = c->size;
        static const unsigned section_fields[] = { 24, 32, 40, 48, 56 };
        for (size_t k = 0; k < sizeof section_fields / sizeof section_fields[0]; k++) {
            uint32_t so = nm_hdr32(c, section_fields[k]);
            uint32_t sl = nm_hdr32(c, section_fields[k] + 4u);
            /* (2.2+ keeps the process table's entry count at 52: non-zero
             * still means the table exists.) */
            if (sl && so > NM_HDR_LEN && so < limit)
                limit = so;
        }
        /* The header's frame count, when the length field looks sane, bounds
         * the scan (the tables after the last record can look like records). */
        uint64_t max = NMX_CAPTURE_MAX_FRAMES;
        if (tlen && tlen % 4 == 0 && tlen / 4 <= max_entries)
            max = tlen / 4;
        nmx_err e;
        uint64_t n72 = nm_scan(cap, NM_HDR_LEN, limit, max, false, &e);
        uint64_t n128 = nm_scan(cap, 128, limit, max, false, &e);
        uint64_t start = n128 > n72 ? 128 : NM_HDR_LEN;
        uint64_t n = nm_scan(cap, start, limit, max, true, &e);
        if (e == NMX_ENOMEM)
            return nmx_cap_diag(cap, diag, e, start, n, 0, "out of memory for the frame index");
        if (n == 0 && !empty) {
            size_t used = strlen(why.msg);
            snprintf(why.msg + used, sizeof why.msg - used,
                     "; no frame records found by scanning");
            if (diag)
                *diag = why;
            return why.code;
        }
        if (n > 0) {
            size_t used = strlen(why.msg);
            snprintf(why.msg + used, sizeof why.msg - used,
                     "; frame table damaged: recovered %llu frame%s by scanning from offset %llu",
                     (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)start);
            nmx_cap_warn(cap, &why);
        }
        uint64_t done = 0;
        for (uint64_t i = 0; i < cap->nframes; i++) {
            uint32_t caplen = 0, wirelen = 0;
            uint64_t roff = cap->index[i];
            nmx_source_pass(&cap->src, &done, roff);
            (void)nm_record(cap, roff, c->size, &caplen, &wirelen);
            uint16_t media = cap->nm_mactype;
            if (cap->nm_trailer)
                media = nmx_ld16le(b + roff + cap->nm_hdr + caplen);
            nmx_cap_note_linktype(cap, nm_media_linktype(media));
        }
    }

    /* Capture comment (before 2.2) or per-frame comment table (2.2+). */
    if (!v1 && minor >= 2) {
        nmx_err e = nm_comments(cap, diag);
        if (e != NMX_OK)
            return e;
    } else {
        uint32_t ofs = nm_hdr32(c, 40), len = nm_hdr32(c, 44);
        if (len && ofs >= NM_HDR_LEN && nmx_cur_has(c, ofs, len)) {
            cap->comment = malloc((size_t)len + 1);
            if (!cap->comment)
                return nmx_cap_diag(cap, diag, NMX_ENOMEM, 40, len, 0, "out of memory");
            memcpy(cap->comment, b + ofs, len);
            cap->comment[len] = '\0';
            cap->comment_ptr = cap->comment;
            cap->comment_len = len;
        }
    }
    return NMX_OK;
}

/* Where frame n's record is (n indexed): from the frame table, whose
 * entry counts as in use, or from the index a recovery built. */
static uint64_t nm_offset(const nmx_capture *cap, uint64_t n)
{
    if (cap->nm_table) {
        nmx_source_touch(&cap->src, NMX_RES_TABLE, (uint64_t)(cap->nm_table - cap->cur.base) + 4 * n,
                         4);
        return nmx_ld32le(cap->nm_table + 4 * n);
    }
    return cap->index[n];
}

/* Frame n's record (n indexed, so the record was validated then): where
 * it is, its lengths and its media type. */
typedef struct nm_rec {
    uint64_t off;
    const uint8_t *r;
    uint32_t caplen, wirelen;
    uint16_t media;
} nm_rec;

static void nm_read(const nmx_capture *cap, uint64_t n, nm_rec *x)
{
    x->off = nm_offset(cap, n);
    x->r = cap->cur.base + x->off;
    x->caplen = x->wirelen = 0;
    (void)nm_record(cap, x->off, cap->cur.size, &x->caplen, &x->wirelen);
    x->media = cap->nm_trailer ? nmx_ld16le(x->r + cap->nm_hdr + x->caplen) : cap->nm_mactype;
}

static void netmon_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out)
{
    nm_rec x;
    nm_read(cap, n, &x);
    const uint64_t off = x.off;
    const uint8_t *r = x.r;
    const uint32_t caplen = x.caplen, wirelen = x.wirelen;
    const uint16_t media = x.media;
    const uint8_t *tr = r + cap->nm_hdr + caplen;
    if (cap->nm_hdr == 8) {
        out->ts_ns = nmx_sat_add(cap->nm_start_ns, (int64_t)nmx_ld32le(r) * 1000000);
    } else {
        uint64_t ft = cap->nm_trailer >= 15 ? nmx_ld64le(tr + 6) : 0;
        if (ft)
            out->ts_ns = nmx_filetime_to_ns(ft);
        else
            out->ts_ns = nmx_sat_add(cap->nm_start_ns, nmx_sat_mul((int64_t)nmx_ld64le(r), 1000));
        out->netmon_record = r;
    }
    out->caplen = caplen;
    out->wirelen = wirelen;
    out->data = r + cap->nm_hdr;
    out->netmon_media = media;
    out->linktype = nm_media_linktype(media);
    out->mac_type = nm_media_mactype(media);
    out->offset = off;
    if (cap->nm_ncomments && off <= UINT32_MAX) {
        size_t lo = 0, hi = cap->nm_ncomments;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cap->nm_comments[mid].record_offset < off)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < cap->nm_ncomments && cap->nm_comments[lo].record_offset == off) {
            out->comment = cap->nm_comments[lo].text;
            out->comment_len = cap->nm_comments[lo].len;
        }
    }
}

/* Searches (find.h): a frame's location is its number, which the frame
 * table (or the index) turns into its record at once. */

static void netmon_walk_find(nmx_capture *cap, uint64_t want, nmx__find *fl)
{
    nm_walk(cap, want, NULL, fl);
}

static uint64_t netmon_locate(const nmx_capture *cap, uint64_t n)
{
    (void)cap;
    return n;
}

static uint64_t netmon_next(const nmx_capture *cap, uint64_t at)
{
    (void)cap;
    return at + 1;
}

static void netmon_peek(const nmx_capture *cap, uint64_t at, nmx__find_view *v)
{
    nm_rec x;
    nm_read(cap, at, &x);
    v->data = x.r + cap->nm_hdr;
    v->caplen = x.caplen;
    v->wirelen = x.wirelen;
    v->linktype = nm_media_linktype(x.media);
    v->offset = x.off;
}

const nmx_reader nmx_reader_netmon = { "netmon",        netmon_probe,     netmon_open,
                                        netmon_frame,    netmon_extend,    netmon_limit,
                                        netmon_walk_find, netmon_locate,   netmon_next,
                                        netmon_peek,     netmon_frame };
