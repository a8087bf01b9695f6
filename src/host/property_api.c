/*
 * The protocol, property and address functions of the Network Monitor
 * kernel (spec 10.1, 10.2; decisions K1, K3, K4), over the parser layer.
 * docs/property-api.md describes the decisions taken here.
 *
 * Where a frame's dissection comes from. The functions taking an HFRAME
 * have no expert key; they look for the frame:
 *  1. in the dissection of the session the calling thread acts for
 *     (nmx_session_bind_thread: the thread running an expert), when it holds
 *     that frame: the tables ExpertGetFrame returned, so the instances
 *     FindPropertyInstance returns are the very ones of lpPropertyTable;
 *  2. otherwise in a dissector of the calling thread, which keeps its last
 *     frame: the instances stay valid until the thread asks about another
 *     frame that is not the session's (or the thread ends).
 * Neither path allocates in steady state, and neither disturbs the tables
 * the session's last ExpertGetFrame returned (F4).
 *
 * Handles. HPROTOCOL and HPROPERTY are the registry's (process-wide,
 * recognised by address). An HFRAME is checked against the open captures
 * before anything is read. A PROPERTYINST must be one of the instances of
 * the dissection found for its frame; anything else is refused without
 * being read.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"

/* ---- finding a frame's dissection --------------------------------------- */

struct tl_dis {
    nmx_dissector *d;
    struct _CAPTURE *c; /* NULL: holds nothing */
    uint32_t n;
    bool attached;
    nmx_frame fr;       /* the frame it was made from (d refers to it) */
};

static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
static void tl_free(void *p)
{
    struct tl_dis *t = p;
    nmx_dissector_free(t->d);
    free(t);
}
static void tl_init(void)
{
    pthread_key_create(&tl_key, tl_free);
}

static struct tl_dis *tl_get(void)
{
    pthread_once(&tl_once, tl_init);
    struct tl_dis *t = pthread_getspecific(tl_key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            return NULL;
        if (!(t->d = nmx_dissector_new())) {
            free(t);
            return NULL;
        }
        pthread_setspecific(tl_key, t);
    }
    return t;
}

/* A frame and where its dissection lives. Release with fctx_leave(). */
struct fctx {
    struct _CAPTURE *c;
    uint32_t n;
    nmx_frame fr;
    struct nmx_session *s; /* locked when non-NULL */
    nmx_dissector *d;
};

static void fctx_leave(struct fctx *x)
{
    if (x->s)
        nmx__session_leave(x->s);
    x->s = NULL;
}

/* Same frame as the one held? (The capture record could have been closed
 * and another opened at its address: compare the frame itself too.) */
static bool same_frame(const nmx_frame *a, const nmx_frame *b)
{
    return a->data == b->data && a->caplen == b->caplen && a->ts_ns == b->ts_ns &&
           a->offset == b->offset;
}

/* Validates hFrame; with `dissect`, finds or makes its dissection (with
 * properties when `attach`). false: *e says why. */
static bool fctx_enter(struct fctx *x, HFRAME h, bool dissect, bool attach, DWORD *e)
{
    memset(x, 0, sizeof *x);
    x->c = nmx__hframe_get(h, &x->n);
    if (!x->c || nmx_capture_frame(x->c->cap, x->n, &x->fr) != NMX_OK) {
        *e = NMERR_INVALID_HFRAME;
        return false;
    }
    if (!dissect)
        return true;
    struct nmx_session *s = nmx__session_enter_bound();
    if (s) {
        if (s->dis_cap == x->c && s->dis_frame == x->n && same_frame(&s->dis_fr, &x->fr)) {
            x->s = s;
            x->d = nmx__session_dissect(s, x->c, x->n, &x->fr, attach, e);
            if (!x->d) {
                fctx_leave(x);
                return false;
            }
            return true;
        }
        nmx__session_leave(s);
    }
    struct tl_dis *t = tl_get();
    if (!t) {
        *e = NMERR_OUT_OF_MEMORY;
        return false;
    }
    if (!(t->c == x->c && t->n == x->n && same_frame(&t->fr, &x->fr) && (t->attached || !attach))) {
        t->c = NULL;
        t->fr = x->fr;
        if (nmx_dissect(t->d, &t->fr, nmx__prev_ts(x->c, x->n, &x->fr),
                        attach ? NMX_DIS_ATTACH : 0) != NMX_OK) {
            *e = NMERR_OUT_OF_MEMORY;
            return false;
        }
        t->c = x->c;
        t->n = x->n;
        t->attached = attach;
    }
    x->d = t->d;
    return true;
}

/* The dissection of x's frame that owns pi: x->d, or the other one (the
 * thread's dissector may hold the same frame, made before the session's
 * ExpertGetFrame reached it). NULL when neither does. */
static nmx_dissector *owner_of(const struct fctx *x, const PROPERTYINST *pi)
{
    if (nmx_dissect_owns(x->d, pi))
        return x->d;
    pthread_once(&tl_once, tl_init);
    struct tl_dis *t = pthread_getspecific(tl_key);
    if (t && t->d != x->d && t->c == x->c && t->n == x->n && same_frame(&t->fr, &x->fr) &&
        nmx_dissect_owns(t->d, pi))
        return t->d;
    return NULL;
}

/* ---- recognised protocols ----------------------------------------------- */

LPRECOGNIZEDATATABLE WINAPI GetFrameRecognizeData(HFRAME hFrame)
{
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, false, &e))
        return NULL;
    LPRECOGNIZEDATATABLE r = nmx_dissect_recognized(x.d);
    fctx_leave(&x);
    return r;
}

HPROTOCOL WINAPI GetProtocolFromName(LPSTR ProtocolName)
{
    return ProtocolName ? nmx_protocol_find(ProtocolName) : NULL;
}

LPPROTOCOLINFO WINAPI GetProtocolInfo(HPROTOCOL hProtocol)
{
    return nmx_protocol_info(hProtocol);
}

/* Every protocol the parsers know is enabled: one table for the process. */
static LPPROTOCOLTABLE enabled;
static pthread_once_t enabled_once = PTHREAD_ONCE_INIT;
static void enabled_init(void)
{
    unsigned n = nmx_protocol_count();
    LPPROTOCOLTABLE t = calloc(1, PROTOCOLTABLE_SIZE + (n ? n : 1) * sizeof(HPROTOCOL));
    if (!t)
        return;
    t->nProtocols = n;
    for (unsigned i = 0; i < n; i++)
        t->hProtocol[i] = nmx_protocol_at(i);
    enabled = t;
}

LPPROTOCOLTABLE WINAPI GetEnabledProtocols(HCAPTURE hCapture)
{
    if (!nmx__hcap_get(hCapture))
        return NULL;
    pthread_once(&enabled_once, enabled_init);
    return enabled;
}

/* The first layer of protocol h, or NULL. */
static const nmx_layer *layer_of(nmx_dissector *d, HPROTOCOL h)
{
    unsigned n = nmx_dissect_nlayers(d);
    for (unsigned i = 0; i < n; i++) {
        const nmx_layer *l = nmx_dissect_layer(d, i);
        if (l->proto == h)
            return l;
    }
    return NULL;
}

DWORD WINAPI GetProtocolStartOffsetHandle(HFRAME hFrame, HPROTOCOL hProtocol)
{
    if (!nmx_protocol_info(hProtocol))
        return (DWORD)-1;
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, false, &e))
        return (DWORD)-1;
    const nmx_layer *l = layer_of(x.d, hProtocol);
    DWORD r = l ? l->offset : (DWORD)-1; /* K3: -1 when absent, 0 is an offset */
    fctx_leave(&x);
    return r;
}

DWORD WINAPI GetProtocolStartOffset(HFRAME hFrame, LPSTR ProtocolName)
{
    HPROTOCOL h = GetProtocolFromName(ProtocolName);
    return h ? GetProtocolStartOffsetHandle(hFrame, h) : (DWORD)-1;
}

DWORD WINAPI GetPreviousProtocolOffsetByName(HFRAME hFrame, DWORD dwStartOffset,
                                             LPSTR szProtocolName, DWORD *pdwPreviousOffset)
{
    if (!szProtocolName || !pdwPreviousOffset)
        return NMERR_INVALID_PARAMETER;
    HPROTOCOL h = nmx_protocol_find(szProtocolName);
    if (!h)
        return NMERR_PROTOCOL_NOT_FOUND;
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, false, &e))
        return e;
    /* The occurrence nearest before dwStartOffset (a tunnel carries a
     * protocol more than once). */
    const nmx_layer *best = NULL;
    unsigned n = nmx_dissect_nlayers(x.d);
    for (unsigned i = 0; i < n; i++) {
        const nmx_layer *l = nmx_dissect_layer(x.d, i);
        if (l->proto == h && l->offset < dwStartOffset && (!best || l->offset >= best->offset))
            best = l;
    }
    if (best)
        *pdwPreviousOffset = best->offset;
    fctx_leave(&x);
    return best ? NMERR_SUCCESS : NMERR_PROTOCOL_NOT_FOUND;
}

/* ---- properties ------------------------------------------------------------ */

HPROPERTY WINAPI GetProperty(HPROTOCOL hProtocol, LPSTR PropertyName)
{
    if (!PropertyName || !nmx_protocol_info(hProtocol))
        return 0;
    return nmx_property_find(hProtocol, PropertyName);
}

LPPROPERTYINFO WINAPI GetPropertyInfo(HPROPERTY hProperty)
{
    return nmx_property_info(hProperty);
}

LPSTR WINAPI GetPropertyText(HFRAME hFrame, LPPROPERTYINST lpPI, LPSTR szBuffer, DWORD BufferSize)
{
    if (!lpPI || !szBuffer || !BufferSize)
        return NULL;
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, true, &e))
        return NULL;
    nmx_dissector *o = owner_of(&x, lpPI);
    size_t need = o ? nmx_dissect_text(o, lpPI, szBuffer, BufferSize) : 0;
    fctx_leave(&x);
    return need ? szBuffer : NULL;
}

/* The next instance of h after `from` (forward) or before it (backward),
 * or the first / last one when from is NULL. Only the layers of h's
 * protocol can hold its instances: those are searched, in table order,
 * and an instance matches when its lpPropertyInfo is h's PROPERTYINFO (the
 * pointer is compared, never followed: an expert may have written to the
 * table). A `from` that is not an instance of d sets *bad_key. */
static LPPROPERTYINST find_inst(nmx_dissector *d, HPROPERTY h, const PROPERTYINST *from,
                                bool fwd, bool *bad_key)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    if (!pt || !pt->nTotalPropertyInsts)
        return NULL;
    PROPERTYINST *a = pt->lpFirstPropertyInst;
    int64_t n = pt->nTotalPropertyInsts, start;
    if (from) {
        if (!nmx_dissect_owns(d, from)) {
            *bad_key = true;
            return NULL;
        }
        start = (from - a) + (fwd ? 1 : -1);
    } else {
        start = fwd ? 0 : n - 1;
    }
    const PROPERTYINFO *want = nmx_property_info(h);
    HPROTOCOL proto = nmx_property_protocol(h);
    unsigned nl = nmx_dissect_nlayers(d);
    for (unsigned k = 0; k < nl; k++) {
        const nmx_layer *l = nmx_dissect_layer(d, fwd ? k : nl - 1 - k);
        if (l->proto != proto || l->ninst == 0)
            continue;
        int64_t lo = l->first_inst, hi = (int64_t)l->first_inst + l->ninst - 1;
        if (hi > n - 1)
            hi = n - 1;
        if (fwd) {
            for (int64_t i = start > lo ? start : lo; i <= hi; i++)
                if (a[i].lpPropertyInfo == want)
                    return &a[i];
        } else {
            for (int64_t i = start < hi ? start : hi; i >= lo; i--)
                if (a[i].lpPropertyInfo == want)
                    return &a[i];
        }
    }
    return NULL;
}

LPPROPERTYINST WINAPI FindPropertyInstance(HFRAME hFrame, HPROPERTY hProperty)
{
    if (!nmx_property_info(hProperty))
        return NULL;
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, true, &e))
        return NULL;
    bool bad = false;
    LPPROPERTYINST r = find_inst(x.d, hProperty, NULL, true, &bad);
    fctx_leave(&x);
    return r;
}

LPPROPERTYINST WINAPI FindPropertyInstanceRestart(HFRAME hFrame, HPROPERTY hProperty,
                                                  LPPROPERTYINST *lpRestartKey, BOOL DirForward)
{
    if (!nmx_property_info(hProperty))
        return NULL;
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, true, &e))
        return NULL;
    bool bad = false;
    LPPROPERTYINST from = lpRestartKey ? *lpRestartKey : NULL;
    nmx_dissector *d = from ? owner_of(&x, from) : x.d;
    LPPROPERTYINST r = d ? find_inst(d, hProperty, from, DirForward != FALSE, &bad) : NULL;
    /* K1: the key follows the instance returned; at the end it stays on
     * the last one, so further calls keep returning NULL. */
    if (r && lpRestartKey)
        *lpRestartKey = r;
    fctx_leave(&x);
    return r;
}

/* ---- addresses --------------------------------------------------------------- */

/* Where an address of `type` sits in the frame: the first layer of its
 * protocol (the outermost: a tunnel's own header, not what it carries). */
struct where {
    uint32_t off, len;
    DWORD type;
};

static HPROTOCOL proto_named(const char *name)
{
    return nmx_protocol_find(name);
}

static bool locate(nmx_dissector *d, DWORD type, bool src, struct where *w)
{
    const char *pname;
    uint32_t so, dof, len;
    switch (type) {
    case ADDRESS_TYPE_ETHERNET: pname = "ETHERNET"; so = 6; dof = 0; len = 6; break;
    case ADDRESS_TYPE_IP: pname = "IP"; so = 12; dof = 16; len = 4; break;
    case ADDRESS_TYPE_IP6: pname = "IP6"; so = 8; dof = 24; len = 16; break;
    case ADDRESS_TYPE_FIND_HIGHEST:
        /* The highest layer's address that fits an ADDRESS: IP over MAC
         * (an IPv6 address needs an ADDRESS2: ask for ADDRESS_TYPE_IP6). */
        return locate(d, ADDRESS_TYPE_IP, src, w) || locate(d, ADDRESS_TYPE_ETHERNET, src, w);
    default:
        return false;
    }
    HPROTOCOL h = proto_named(pname);
    const nmx_layer *l = h ? layer_of(d, h) : NULL;
    uint32_t o = src ? so : dof;
    if (!l || l->caplen < o + len)
        return false;
    w->off = l->offset + o;
    w->len = len;
    w->type = type;
    return true;
}

static DWORD get_address(HFRAME hFrame, LPADDRESS a, DWORD type, bool src)
{
    if (!a)
        return NMERR_INVALID_PARAMETER;
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, false, &e))
        return e;
    struct where w;
    bool ok = locate(x.d, type, src, &w);
    if (ok) {
        /* An ADDRESS2 for IPv6 (the caller asked for that type); else the
         * 16-byte ADDRESS. Flags (ADDRESSTYPE_FLAGS_*) change nothing for
         * Ethernet and IP addresses: they have no routing bit to clear and
         * no reversed bit order. */
        if (w.type == ADDRESS_TYPE_IP6) {
            LPADDRESS2 a2 = (LPADDRESS2)(void *)a;
            memset(a2, 0, sizeof *a2);
            a2->Type = w.type;
            memcpy(a2->IP6Address, x.fr.data + w.off, w.len);
        } else {
            memset(a, 0, sizeof *a);
            a->Type = w.type;
            memcpy(a->IPXRawAddress, x.fr.data + w.off, w.len);
        }
    }
    fctx_leave(&x);
    return ok ? NMERR_SUCCESS : NMERR_PROTOCOL_NOT_FOUND;
}

DWORD WINAPI GetFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress, DWORD AddressType,
                                   DWORD Flags)
{
    (void)Flags;
    return get_address(hFrame, lpAddress, AddressType, true);
}

DWORD WINAPI GetFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress, DWORD AddressType,
                                 DWORD Flags)
{
    (void)Flags;
    return get_address(hFrame, lpAddress, AddressType, false);
}

static DWORD address_offset(HFRAME hFrame, DWORD type, LPDWORD len, bool src)
{
    struct fctx x;
    DWORD e;
    if (!fctx_enter(&x, hFrame, true, false, &e))
        return (DWORD)-1;
    struct where w;
    bool ok = locate(x.d, type, src, &w);
    fctx_leave(&x);
    if (!ok)
        return (DWORD)-1;
    if (len)
        *len = w.len;
    return w.off;
}

DWORD WINAPI GetFrameSrcAddressOffset(HFRAME hFrame, DWORD AddressType, LPDWORD AddressLength)
{
    return address_offset(hFrame, AddressType, AddressLength, true);
}

DWORD WINAPI GetFrameDstAddressOffset(HFRAME hFrame, DWORD AddressType, LPDWORD AddressLength)
{
    return address_offset(hFrame, AddressType, AddressLength, false);
}

/* Bytes of an address type compared by CompareAddresses. */
static size_t addr_len(DWORD type)
{
    switch (type) {
    case ADDRESS_TYPE_ETHERNET:
    case ADDRESS_TYPE_TOKENRING:
    case ADDRESS_TYPE_FDDI:
    case ADDRESS_TYPE_VINES_IP: return 6;
    case ADDRESS_TYPE_IP: return 4;
    case ADDRESS_TYPE_IP6: return 16;
    default: return 10; /* IPX, XNS and the rest: the whole 2.x union */
    }
}

static const BYTE *addr_bytes(const ADDRESS *a)
{
    return a->Type == ADDRESS_TYPE_IP6 ? ((const ADDRESS2 *)(const void *)a)->IP6Address
                                       : a->IPXRawAddress;
}

int WINAPI CompareAddresses(LPADDRESS lpAddress1, LPADDRESS lpAddress2)
{
    /* K4: a plain ordering, type first, then the address bytes. */
    if (!lpAddress1 || !lpAddress2)
        return lpAddress1 ? 1 : (lpAddress2 ? -1 : 0);
    if (lpAddress1->Type != lpAddress2->Type)
        return lpAddress1->Type < lpAddress2->Type ? -1 : 1;
    int c = memcmp(addr_bytes(lpAddress1), addr_bytes(lpAddress2), addr_len(lpAddress1->Type));
    return c < 0 ? -1 : c > 0;
}

static BOOL compare_frame(HFRAME hFrame, LPADDRESS a, bool src)
{
    if (!a || a->Type == ADDRESS_TYPE_FIND_HIGHEST)
        return FALSE;
    ADDRESS2 mine;
    if (get_address(hFrame, (LPADDRESS)(void *)&mine, a->Type, src) != NMERR_SUCCESS)
        return FALSE;
    return CompareAddresses((LPADDRESS)(void *)&mine, a) == 0;
}

BOOL WINAPI CompareFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress)
{
    return compare_frame(hFrame, lpAddress, true);
}

BOOL WINAPI CompareFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress)
{
    return compare_frame(hFrame, lpAddress, false);
}

/* ---- FindNextFrame / FindPreviousFrame ------------------------------------------ */

/* Frames examined at most by one search (Network Monitor's default
 * MAXLOOKBACK). */
#define FIND_WINDOW 1000u

static HFRAME find_frame(HFRAME cur, LPSTR name, LPADDRESS dst, LPADDRESS src, LPWORD off,
                         DWORD limit, bool fwd)
{
    uint32_t n;
    struct _CAPTURE *c = nmx__hframe_get(cur, &n);
    if (!c || !name)
        return NULL;
    HPROTOCOL h = nmx_protocol_find(name);
    if (!h)
        return NULL;
    int64_t i = fwd ? (int64_t)n + 1 : (int64_t)n - 1;
    for (uint32_t k = 0; k < FIND_WINDOW && (fwd ? i <= (int64_t)limit : i >= (int64_t)limit) &&
                         i >= 0 && nmx_capture_has_frame(c->cap, (uint64_t)i);
         k++, i += fwd ? 1 : -1) {
        HFRAME hf = nmx__hframe_make(c, (uint32_t)i);
        struct fctx x;
        DWORD e;
        if (!fctx_enter(&x, hf, true, false, &e))
            continue;
        const nmx_layer *l = layer_of(x.d, h);
        DWORD o = l ? l->offset : 0;
        fctx_leave(&x);
        if (!l)
            continue;
        if (dst && !CompareFrameDestAddress(hf, dst))
            continue;
        if (src && !CompareFrameSourceAddress(hf, src))
            continue;
        if (off)
            *off = (WORD)(o > 0xFFFFu ? 0xFFFFu : o);
        return hf;
    }
    return NULL;
}

HFRAME WINAPI FindNextFrame(HFRAME hCurrentFrame, LPSTR ProtocolName, LPADDRESS lpDestAddress,
                            LPADDRESS lpSrcAddress, LPWORD ProtocolOffset,
                            DWORD OriginalFrameNumber, DWORD nHighestFrame)
{
    (void)OriginalFrameNumber;
    return find_frame(hCurrentFrame, ProtocolName, lpDestAddress, lpSrcAddress, ProtocolOffset,
                      nHighestFrame, true);
}

HFRAME WINAPI FindPreviousFrame(HFRAME hCurrentFrame, LPSTR ProtocolName,
                                LPADDRESS lpDestAddress, LPADDRESS lpSrcAddress,
                                LPWORD ProtocolOffset, DWORD OriginalFrameNumber,
                                DWORD nLowestFrame)
{
    (void)OriginalFrameNumber;
    return find_frame(hCurrentFrame, ProtocolName, lpDestAddress, lpSrcAddress, ProtocolOffset,
                      nLowestFrame, false);
}

/* ---- ModifyFrame ---------------------------------------------------------------- */

HFRAME WINAPI ModifyFrame(HCAPTURE hCapture, DWORD FrameNumber, LPBYTE FrameData,
                          DWORD FrameLength, __int64 TimeStamp)
{
    /* Captures are opened read-only and shared by every expert of a run:
     * a frame is never replaced (docs/property-api.md, "ModifyFrame"). */
    (void)FrameNumber;
    (void)FrameData;
    (void)FrameLength;
    (void)TimeStamp;
    BhSetLastError(nmx__hcap_get(hCapture) ? NMERR_ACCESS_DENIED : NMERR_INVALID_HCAPTURE);
    return NULL;
}

/* ---- helpers ------------------------------------------------------------------- */

static __thread DWORD tl_last_error __attribute__((tls_model("initial-exec")));

DWORD WINAPI BhGetLastError(void)
{
    return tl_last_error;
}

DWORD WINAPI BHGetLastError(void)
{
    return tl_last_error;
}

DWORD WINAPI BhSetLastError(DWORD Error)
{
    DWORD old = tl_last_error;
    tl_last_error = Error;
    return old;
}

DWORD WINAPI HelperFormatUnicodeString(LPSTR szOut, LPCWSTR szIn, WORD Len)
{
    /* One byte per UTF-16 code unit (the caller sized szOut by Len): ASCII
     * as is, anything else '?'; stops at a NUL unit; NUL-terminates.
     * Returns the characters written. */
    if (!szOut)
        return 0;
    DWORD i = 0;
    if (szIn)
        for (; i < Len && szIn[i]; i++)
            szOut[i] = szIn[i] < 0x80 ? (char)szIn[i] : '?';
    szOut[i] = 0;
    return i;
}

DWORD WINAPI DecodeSNMPObjectIdentifier(LPBYTE lpData, DWORD DataLen, LPOBJECT_IDENTIFIER lpOID)
{
    if (!lpData || !lpOID || !lpOID->lpIdentifier || !DataLen)
        return NMERR_INVALID_PARAMETER;
    /* Accept the whole TLV (tag 0x06, short length covering the rest) as
     * well as the contents alone: no real OID starts with arc 0.6. */
    if (DataLen >= 2 && lpData[0] == 0x06 && lpData[1] == DataLen - 2 && DataLen > 2) {
        lpData += 2;
        DataLen -= 2;
    }
    DWORD cap = lpOID->Length, n = 0;
    uint64_t v = 0;
    bool first = true, open = false;
    for (DWORD i = 0; i < DataLen; i++) {
        if (!open && lpData[i] == 0x80)
            return NMERR_INVALID_DATA; /* X.690 8.19.2: no leading 0x80 */
        v = (v << 7) | (lpData[i] & 0x7Fu);
        open = true;
        if (v > 0xFFFFFFFFull + 80)
            return NMERR_INVALID_DATA;
        if (lpData[i] & 0x80)
            continue;
        open = false;
        if (first) {
            DWORD a = v < 40 ? 0 : (v < 80 ? 1 : 2);
            uint64_t b = v - (uint64_t)a * 40;
            if (b > 0xFFFFFFFFull)
                return NMERR_INVALID_DATA;
            if (n + 2 > cap)
                return NMERR_BUFFER_TOO_SMALL;
            lpOID->lpIdentifier[n++] = a;
            lpOID->lpIdentifier[n++] = (DWORD)b;
            first = false;
        } else {
            if (v > 0xFFFFFFFFull)
                return NMERR_INVALID_DATA;
            if (n + 1 > cap)
                return NMERR_BUFFER_TOO_SMALL;
            lpOID->lpIdentifier[n++] = (DWORD)v;
        }
        v = 0;
    }
    if (open)
        return NMERR_INVALID_DATA; /* the last arc is cut */
    lpOID->Length = n;
    return NMERR_SUCCESS;
}

SYSTEMTIME *WINAPI AdjustSystemTime(SYSTEMTIME *SystemTime, __int64 TimeDelta)
{
    /* TimeDelta in microseconds, the unit of frame time stamps. */
    if (!SystemTime)
        return NULL;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = SystemTime->wYear - 1900;
    tm.tm_mon = SystemTime->wMonth - 1;
    tm.tm_mday = SystemTime->wDay;
    tm.tm_hour = SystemTime->wHour;
    tm.tm_min = SystemTime->wMinute;
    tm.tm_sec = SystemTime->wSecond;
    time_t t = timegm(&tm);
    int64_t us = (int64_t)t * 1000000 + (int64_t)SystemTime->wMilliseconds * 1000 + TimeDelta;
    int64_t sec = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        sec--;
    }
    time_t ts = (time_t)sec;
    if (!gmtime_r(&ts, &tm))
        return NULL;
    SystemTime->wYear = (WORD)(tm.tm_year + 1900);
    SystemTime->wMonth = (WORD)(tm.tm_mon + 1);
    SystemTime->wDayOfWeek = (WORD)tm.tm_wday;
    SystemTime->wDay = (WORD)tm.tm_mday;
    SystemTime->wHour = (WORD)tm.tm_hour;
    SystemTime->wMinute = (WORD)tm.tm_min;
    SystemTime->wSecond = (WORD)tm.tm_sec;
    SystemTime->wMilliseconds = (WORD)(rem / 1000);
    return SystemTime;
}
