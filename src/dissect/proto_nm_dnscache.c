/*
 * \summary: Network Monitor DNS cache record (media type 0xFFFE)
 *
 * specification: none published. Network Monitor 3.x writes the capturing
 * host's DNS cache into the capture as a record of media type 0xFFFE
 * (netmon-expert-api.md §11.5; Wireshark names the type but does not
 * decode it). Its layout has no public description, so the record is
 * named and shown as data, never read as network bytes.
 *
 * Brought here by: Network Monitor media type 0xFFFE. Hands off nothing.
 *
 * Name and summary are ours: "NETMON_DNSCACHE: DNS cache record, 120 bytes".
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define DC_PROPS(X) \
    X(DC_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(DC_DATA, "DNS Cache Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { DC_PROPS(NMX_PROP_ENUM) DC_NPROPS };
static nmx_propdef dc_props[] = { DC_PROPS(NMX_PROP_DEF) };

static void dc_dissect(nmx_dis *d, nmx_span s)
{
    nmx_dis_attach(d, DC_SUMMARY, 0, s.len);
    nmx_dis_attach(d, DC_DATA, 0, s.len);
}

static size_t dc_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != DC_SUMMARY)
        return (size_t)-1;
    return (size_t)snprintf(buf, n, "DNS cache record, %u bytes", c->layer->length);
}

const nmx_protocol nmx_proto_nm_dnscache = {
    .name = "NETMON_DNSCACHE",
    .comment = "Network Monitor DNS cache record",
    .props = dc_props,
    .nprops = DC_NPROPS,
    .dissect = dc_dissect,
    .format = dc_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 0xFFFE } },
};
