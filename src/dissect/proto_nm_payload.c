/*
 * \summary: Network Monitor payload header record (media type 0xFFFC)
 *
 * specification: none published. Network Monitor 3.x marks with media type
 * 0xFFFC the header of a pseudo-frame it made by reassembling a payload
 * (netmon-expert-api.md §11.5). Its layout has no public description, so
 * the record is named and shown as data, never read as network bytes.
 *
 * Brought here by: Network Monitor media type 0xFFFC. Hands off nothing.
 *
 * Name and summary are ours: "NETMON_PAYLOAD: Payload header record, 64
 * bytes".
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define PH_PROPS(X) \
    X(PH_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(PH_DATA, "Payload Header Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { PH_PROPS(NMX_PROP_ENUM) PH_NPROPS };
static nmx_propdef ph_props[] = { PH_PROPS(NMX_PROP_DEF) };

static void ph_dissect(nmx_dis *d, nmx_span s)
{
    nmx_dis_attach(d, PH_SUMMARY, 0, s.len);
    nmx_dis_attach(d, PH_DATA, 0, s.len);
}

static size_t ph_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != PH_SUMMARY)
        return (size_t)-1;
    return (size_t)snprintf(buf, n, "Payload header record, %u bytes", c->layer->length);
}

const nmx_protocol nmx_proto_nm_payload = {
    .name = "NETMON_PAYLOAD",
    .comment = "Network Monitor payload header record",
    .props = ph_props,
    .nprops = PH_NPROPS,
    .dissect = ph_dissect,
    .format = ph_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 0xFFFC } },
};
