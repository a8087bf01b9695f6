/*
 * nmexpert/hcapture.h: a capture as experts see it (HCAPTURE, HFRAME).
 *
 * The host opens a capture once and wraps it in an HCAPTURE, the handle the
 * Network Monitor API (netmon.h: GetCaptureTotalFrames, GetFrame, ...) and
 * EXPERTSTARTUPINFO.hCapture use. Frame handles (HFRAME) of a capture stay
 * valid until the HCAPTURE is closed. Close an HCAPTURE only after every
 * session reading it has been closed.
 */
#ifndef NMEXPERT_HCAPTURE_H
#define NMEXPERT_HCAPTURE_H

#include <stdbool.h>
#include "netmon.h"
#include "nmexpert/capture.h"

NMX_BEGIN_DECLS

/* Opens the file (any supported format) and wraps it, indexed as frames
 * are asked for (NMX_CAPTURE_INCREMENTAL): the open answers at once, a
 * forward scan reads each record once, damage past the header becomes a
 * warning when the walk reaches it, and GetCaptureTotalFrames() walks to
 * the end. */
NMX_API nmx_err nmx_hcapture_open(const char *path, HCAPTURE *out, nmx_diag *diag);
/* The same with nmx_capture_open() flags (NMX_CAPTURE_*): without
 * NMX_CAPTURE_INCREMENTAL the whole file is indexed and checked at open
 * (NMX_CAPTURE_STRICT then makes damage an error); with it, as
 * nmx_hcapture_open() (nmx_capture_frames_known() says how far the walk
 * is). */
NMX_API nmx_err nmx_hcapture_open_flags(const char *path, unsigned flags, HCAPTURE *out,
                                        nmx_diag *diag);
/* Wraps an open capture; with take_ownership, closing the handle closes it. */
NMX_API nmx_err nmx_hcapture_wrap(nmx_capture *cap, bool take_ownership, HCAPTURE *out);
NMX_API void nmx_hcapture_close(HCAPTURE h);
/* The capture behind a handle, or NULL for an unknown handle. */
NMX_API nmx_capture *nmx_hcapture_capture(HCAPTURE h);

NMX_END_DECLS

#endif
