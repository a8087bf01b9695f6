/*
 * The capture and frame functions of the Network Monitor kernel that need
 * no protocol parser (spec 10.1, decisions K2, K5, K6). Every handle is
 * validated before use; failures return the documented failure values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

/* Synthesised FRAME records for GetFrameFromFrameHandle: one buffer per
 * thread, valid until that thread's next call. */
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
struct tlbuf {
    uint8_t *buf;
    size_t cap;
};
static void tl_free(void *p)
{
    struct tlbuf *t = p;
    free(t->buf);
    free(t);
}
static void tl_init(void)
{
    pthread_key_create(&tl_key, tl_free);
}

static bool get(HFRAME h, struct _CAPTURE **c, nmx_frame *fr, uint32_t *num)
{
    uint32_t n;
    *c = nmx__hframe_get(h, &n);
    if (!*c || nmx_capture_frame((*c)->cap, n, fr) != NMX_OK)
        return false;
    if (num)
        *num = n;
    return true;
}

DWORD WINAPI GetCaptureTotalFrames(HCAPTURE hCapture)
{
    struct _CAPTURE *c = nmx__hcap_get(hCapture);
    return c ? nmx__hcap_total(c) : 0;
}

HFRAME WINAPI GetFrame(HCAPTURE hCapture, DWORD FrameNumber)
{
    struct _CAPTURE *c = nmx__hcap_get(hCapture);
    if (!c || FrameNumber == INVALID_FRAME_NUMBER || !nmx_capture_has_frame(c->cap, FrameNumber))
        return NULL;
    return nmx__hframe_make(c, FrameNumber);
}

HCAPTURE WINAPI GetFrameCaptureHandle(HFRAME hFrame)
{
    uint32_t n;
    return nmx__hframe_get(hFrame, &n);
}

DWORD WINAPI GetFrameNumber(HFRAME hFrame)
{
    uint32_t n;
    return nmx__hframe_get(hFrame, &n) ? n : INVALID_FRAME_NUMBER;
}

__int64 WINAPI GetFrameTimeStamp(HFRAME hFrame)
{
    struct _CAPTURE *c;
    nmx_frame fr;
    if (!get(hFrame, &c, &fr, NULL))
        return -1; /* K6: collides with a legal -1 µs delta; accepted */
    if (fr.netmon_record) {
        unsigned major = 0, minor = 0;
        nmx_capture_version(c->cap, &major, &minor);
        if (major == 2) { /* the file's own value, as Network Monitor gave it */
            int64_t v;
            memcpy(&v, fr.netmon_record, 8);
            return v;
        }
    }
    return (fr.ts_ns - c->start_ns) / 1000;
}

DWORD WINAPI GetFrameLength(HFRAME hFrame)
{
    struct _CAPTURE *c;
    nmx_frame fr;
    return get(hFrame, &c, &fr, NULL) ? fr.wirelen : 0;
}

DWORD WINAPI GetFrameStoredLength(HFRAME hFrame)
{
    struct _CAPTURE *c;
    nmx_frame fr;
    return get(hFrame, &c, &fr, NULL) ? fr.caplen : 0;
}

DWORD WINAPI GetFrameMacType(HFRAME hFrame)
{
    struct _CAPTURE *c;
    nmx_frame fr;
    return get(hFrame, &c, &fr, NULL) ? fr.mac_type : MAC_TYPE_UNKNOWN;
}

DWORD WINAPI GetFrameMacHeaderLength(HFRAME hFrame)
{
    struct _CAPTURE *c;
    nmx_frame fr;
    if (!get(hFrame, &c, &fr, NULL))
        return 0;
    switch (fr.mac_type) {
    case MAC_TYPE_ETHERNET:
        /* 802.1Q tags add 4 bytes each */
        if (fr.caplen >= 14) {
            DWORD len = 14;
            while (len + 4 <= fr.caplen && fr.data[len - 2] == 0x81 && fr.data[len - 1] == 0x00)
                len += 4;
            return len;
        }
        return 0;
    case MAC_TYPE_TOKENRING:
        return fr.caplen >= 14 ? 14 : 0;
    case MAC_TYPE_FDDI:
        return fr.caplen >= 13 ? 13 : 0;
    default:
        return 0;
    }
}

ULPFRAME WINAPI GetFrameFromFrameHandle(HFRAME hFrame)
{
    struct _CAPTURE *c;
    nmx_frame fr;
    if (!get(hFrame, &c, &fr, NULL))
        return NULL;
    pthread_once(&tl_once, tl_init);
    struct tlbuf *t = pthread_getspecific(tl_key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            return NULL;
        pthread_setspecific(tl_key, t);
    }
    return nmx__frame_record(c, &fr, &t->buf, &t->cap);
}

DWORD WINAPI GetCaptureMacType(HCAPTURE hCapture)
{
    struct _CAPTURE *c = nmx__hcap_get(hCapture);
    return c ? c->mac_type : MAC_TYPE_UNKNOWN; /* K2: never NMERR_UNKNOWN_MACTYPE */
}

LPSTR WINAPI GetCaptureComment(HCAPTURE hCapture)
{
    struct _CAPTURE *c = nmx__hcap_get(hCapture);
    /* The capture's own text, NUL-terminated and valid until close; a
     * pcapng opened incrementally adds the comments of later sections once
     * its walk reaches the end (include/nmexpert/capture.h). */
    size_t len = 0;
    const char *cm = c ? nmx_capture_comment(c->cap, &len) : NULL;
    return cm && len ? (LPSTR)(uintptr_t)cm : NULL;
}

LPSYSTEMTIME WINAPI GetCaptureTimeStamp(HCAPTURE hCapture)
{
    struct _CAPTURE *c = nmx__hcap_get(hCapture);
    return c ? &c->start_st : NULL;
}

DWORD WINAPI GetCaptureCommentFromFilename(LPSTR lpFilename, LPSTR lpComment, DWORD BufferSize)
{
    if (!lpFilename || (!lpComment && BufferSize))
        return NMERR_INVALID_PARAMETER;
    nmx_capture *cap;
    nmx_diag d;
    nmx_err e = nmx_capture_open(lpFilename, 0, &cap, &d);
    if (e != NMX_OK)
        return e == NMX_EIO ? NMERR_FILE_NOT_FOUND
                            : (e == NMX_EFORMAT ? NMERR_INVALID_FILE_FORMAT : NMERR_FILE_READ_ERROR);
    size_t len = 0;
    const char *cm = nmx_capture_comment(cap, &len);
    if (BufferSize) {
        size_t n = cm ? (len < BufferSize - 1 ? len : BufferSize - 1) : 0;
        if (n)
            memcpy(lpComment, cm, n);
        lpComment[n] = 0;
    }
    nmx_capture_close(cap);
    return NMERR_SUCCESS;
}

DWORD WINAPI MacTypeToAddressType(DWORD MacType)
{
    switch (MacType) {
    case MAC_TYPE_ETHERNET: return ADDRESS_TYPE_ETHERNET;
    case MAC_TYPE_TOKENRING: return ADDRESS_TYPE_TOKENRING;
    case MAC_TYPE_FDDI: return ADDRESS_TYPE_FDDI;
    default: return (DWORD)-1;
    }
}

DWORD WINAPI AddressTypeToMacType(DWORD AddressType)
{
    switch (AddressType) {
    case ADDRESS_TYPE_ETHERNET: return MAC_TYPE_ETHERNET;
    case ADDRESS_TYPE_TOKENRING: return MAC_TYPE_TOKENRING;
    case ADDRESS_TYPE_FDDI: return MAC_TYPE_FDDI;
    default: return MAC_TYPE_UNKNOWN;
    }
}
