/*
 * ntstatus.h: names of NTSTATUS values, shared by the SMB and SMB2
 * dissectors ([MS-ERREF] 2.3.1; the SMB-specific codes of [MS-CIFS]
 * 2.2.2.4).
 */
#ifndef NMX_DISSECT_NTSTATUS_H
#define NMX_DISSECT_NTSTATUS_H

#include <stdint.h>

#include "netmon.h"

/* The labeled set (LABELED_DWORD) of the known values. */
extern SET nmx__ntstatus_set;

/* The name of an NTSTATUS value ("STATUS_ACCESS_DENIED"), or NULL. */
const char *nmx__ntstatus_name(uint32_t v);

#endif /* NMX_DISSECT_NTSTATUS_H */
