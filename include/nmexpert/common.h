/*
 * nmexpert/common.h: conventions shared by every nmexpert header.
 *
 * Error convention (one for the whole library):
 *   - Functions that can fail return an nmx_err (NMX_OK == 0 on success).
 *   - Functions that return a pointer or a value take a trailing
 *     `nmx_err *err` argument that may be NULL; on success it is set to NMX_OK.
 *   - nmx_strerror() names a code; nmx_err_to_nmerr() maps it to the
 *     Network Monitor NMERR_* value an expert sees.
 */
#ifndef NMEXPERT_COMMON_H
#define NMEXPERT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(NMX_BUILDING_LIBRARY)
#  define NMX_API __attribute__((visibility("default")))
#else
#  define NMX_API
#endif

#ifdef __cplusplus
#  define NMX_BEGIN_DECLS extern "C" {
#  define NMX_END_DECLS }
#else
#  define NMX_BEGIN_DECLS
#  define NMX_END_DECLS
#endif

NMX_BEGIN_DECLS

/* Library version, also available at run time through nmx_version(). */
#define NMX_VERSION_MAJOR 0
#define NMX_VERSION_MINOR 1
#define NMX_VERSION_PATCH 0

typedef enum nmx_err {
    NMX_OK = 0,
    NMX_ENOMEM,        /* the system is out of memory                          */
    NMX_EQUOTA,        /* a per-owner byte quota would be exceeded             */
    NMX_ETERMINATE,    /* termination was requested; stop now                  */
    NMX_EINVAL,        /* an argument is invalid                               */
    NMX_EBADPTR,       /* a pointer is not a live block of this owner          */
    NMX_EBADKEY,       /* unknown, forged or ended key / handle                */
    NMX_EIO,           /* an operating-system I/O call failed (see errno)      */
    NMX_EFORMAT,       /* input is not in a format we read                     */
    NMX_ECORRUPT,      /* input is damaged: a value is outside its limit       */
    NMX_ETRUNCATED,    /* input ends early                                     */
    NMX_ENOTFOUND,     /* no such item                                         */
    NMX_ERANGE,        /* a number is outside the valid range                  */
    NMX_EUNSUPPORTED,  /* a valid request the library does not support         */
    NMX_EFAULT,        /* a fault was injected by a test hook                  */
    NMX_ERR_COUNT_
} nmx_err;

/* Static, never NULL; "unknown error" for a value outside the enum. */
NMX_API const char *nmx_strerror(nmx_err e);
/* The symbolic name, e.g. "NMX_EBADPTR". */
NMX_API const char *nmx_errname(nmx_err e);
/* The NMERR_* code (netmon.h) an expert sees for this error. */
NMX_API uint32_t nmx_err_to_nmerr(nmx_err e);

/*
 * Diagnostics for errors in input (files, streams): what, where, which limit.
 * Filled by functions that take an `nmx_diag *` (may be NULL). The message
 * is complete on its own, e.g.
 *   "x.pcap: offset 4096: record captured length 2147483632 exceeds limit 262144"
 */
typedef struct nmx_diag {
    nmx_err  code;
    uint64_t offset;    /* byte offset in the input, or UINT64_MAX if none */
    uint64_t value;     /* offending value, when there is one              */
    uint64_t limit;     /* the limit it broke, when there is one           */
    char     msg[512];  /* NUL-terminated, human readable                  */
} nmx_diag;

/* printf-style fill of a diag (no-op when d is NULL); returns code. */
NMX_API nmx_err nmx_diag_set(nmx_diag *d, nmx_err code, uint64_t offset,
                             uint64_t value, uint64_t limit, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* "0.1.0" */
NMX_API const char *nmx_version(void);

NMX_END_DECLS

#endif /* NMEXPERT_COMMON_H */
