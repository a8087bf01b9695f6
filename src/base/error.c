/* One table for every error code: message, symbolic name, NMERR_* mapping. */
#include "nmexpert/common.h"

/* NMERR_* values from the Network Monitor SDK (also in netmon.h); repeated
 * here as plain numbers so that the base layer does not depend on netmon.h. */
enum {
    E_SUCCESS = 0, E_FILE_NOT_FOUND = 18, E_OUT_OF_MEMORY = 19, E_OUT_OF_RANGE = 24,
    E_INVALID_FILE_FORMAT = 39, E_FRAME_NOT_FOUND = 51, E_INVALID_DATA = 60,
    E_INVALID_PARAMETER = 76, E_FILE_READ_ERROR = 77, E_NOT_SUPPORTED = 90,
    E_EXPERT_TERMINATE = 125, E_INVALID_EXPERT_HANDLE = 130,
};

static const struct {
    const char *name;
    const char *msg;
    uint32_t nmerr;
} errtab[NMX_ERR_COUNT_] = {
    [NMX_OK]           = {"NMX_OK", "success", E_SUCCESS},
    [NMX_ENOMEM]       = {"NMX_ENOMEM", "out of memory", E_OUT_OF_MEMORY},
    [NMX_EQUOTA]       = {"NMX_EQUOTA", "memory quota exceeded", E_OUT_OF_MEMORY},
    [NMX_ETERMINATE]   = {"NMX_ETERMINATE", "termination requested", E_EXPERT_TERMINATE},
    [NMX_EINVAL]       = {"NMX_EINVAL", "invalid argument", E_INVALID_PARAMETER},
    [NMX_EBADPTR]      = {"NMX_EBADPTR", "pointer is not a live block of this owner", E_INVALID_PARAMETER},
    [NMX_EBADKEY]      = {"NMX_EBADKEY", "invalid or ended key", E_INVALID_EXPERT_HANDLE},
    [NMX_EIO]          = {"NMX_EIO", "input/output error", E_FILE_READ_ERROR},
    [NMX_EFORMAT]      = {"NMX_EFORMAT", "unsupported or unknown format", E_INVALID_FILE_FORMAT},
    [NMX_ECORRUPT]     = {"NMX_ECORRUPT", "damaged input", E_INVALID_DATA},
    [NMX_ETRUNCATED]   = {"NMX_ETRUNCATED", "input is truncated", E_INVALID_DATA},
    [NMX_ENOTFOUND]    = {"NMX_ENOTFOUND", "not found", E_FRAME_NOT_FOUND},
    [NMX_ERANGE]       = {"NMX_ERANGE", "value out of range", E_OUT_OF_RANGE},
    [NMX_EUNSUPPORTED] = {"NMX_EUNSUPPORTED", "not supported", E_NOT_SUPPORTED},
    [NMX_EFAULT]       = {"NMX_EFAULT", "injected fault", E_OUT_OF_MEMORY},
};

const char *nmx_strerror(nmx_err e)
{
    if ((unsigned)e >= NMX_ERR_COUNT_)
        return "unknown error";
    return errtab[e].msg;
}

const char *nmx_errname(nmx_err e)
{
    if ((unsigned)e >= NMX_ERR_COUNT_)
        return "NMX_E?";
    return errtab[e].name;
}

uint32_t nmx_err_to_nmerr(nmx_err e)
{
    if ((unsigned)e >= NMX_ERR_COUNT_)
        return E_INVALID_PARAMETER;
    return errtab[e].nmerr;
}

const char *nmx_version(void)
{
    return "0.1.0";
}

#include <stdarg.h>
#include <stdio.h>

nmx_err nmx_diag_set(nmx_diag *d, nmx_err code, uint64_t offset, uint64_t value,
                     uint64_t limit, const char *fmt, ...)
{
    if (!d)
        return code;
    d->code = code;
    d->offset = offset;
    d->value = value;
    d->limit = limit;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return code;
}
