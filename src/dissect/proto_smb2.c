/*
 * \summary: Server Message Block version 2 and 3 (SMB2) headers
 *
 * specification: [MS-SMB2] 2.2.1 (SYNC and ASYNC packet headers),
 * 2.2.9 (TREE_CONNECT Request), 2.2.13 (CREATE Request), 2.2.41
 * (TRANSFORM_HEADER), 3.2.4.1.4 (compounded requests); [MS-ERREF] 2.3.1
 * (NTSTATUS names, ntstatus.c).
 *
 * Brought here by: NBT's session service (TCP 139 and 445), which hands a
 * message whose first bytes are "\xFESMB" (key 0xFE) or "\xFDSMB" (0xFD) to
 * the NMX_HO_SMB_MAGIC table. Compounded messages (NextCommand) are
 * successive SMB2 layers; the driver's layer limit bounds a chain, and
 * every NextCommand moves forward by at least a header, so no chain loops.
 *
 *    0               2               4               6               8
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |    0xFE 'S' 'M' 'B'           | StructureSize | CreditCharge  |
 *   +-------------------------------+---------------+---------------+
 *   |  Status (ChannelSequence)     |    Command    | CreditReq/Resp|
 *   +-------------------------------+---------------+---------------+
 *   |            Flags              |          NextCommand          |
 *   +-------------------------------+-------------------------------+
 *   |                          MessageId                            |
 *   +-------------------------------+-------------------------------+
 *   |   Reserved (ProcessId)        |            TreeId             |  sync
 *   |                       AsyncId (8 bytes)                       |  async
 *   +-------------------------------+-------------------------------+
 *   |                          SessionId                            |
 *   +---------------------------------------------------------------+
 *   |                    Signature (16 bytes)                       |
 *   +---------------------------------------------------------------+
 *   (all numbers little-endian)
 *
 *   TRANSFORM_HEADER: 0xFD 'S' 'M' 'B', Signature (16), Nonce (16),
 *   OriginalMessageSize (4), Reserved (2), Flags/EncryptionAlgorithm (2),
 *   SessionId (8); then the encrypted message.
 *
 * Names: Network Monitor 2.x predates SMB2; the protocol is "SMB2" and the
 * labels are ours, in its style and with [MS-SMB2]'s field names
 * ("Command = TREE_CONNECT", "Message Id = 5 (0x5)"). Summary, as
 * Network Monitor's SMB: "C NEGOTIATE", "R TREE_CONNECT, Status =
 * STATUS_SUCCESS", "C CREATE, File = srvsvc", "Encrypted message,
 * Session Id = 0x0000040000000005, Original size = 120".
 */
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"
#include "dissect/ntstatus.h"

static LABELED_WORD smb2_cmds[] = {
    { 0x00, NMX_STR("NEGOTIATE") }, { 0x01, NMX_STR("SESSION_SETUP") },
    { 0x02, NMX_STR("LOGOFF") }, { 0x03, NMX_STR("TREE_CONNECT") },
    { 0x04, NMX_STR("TREE_DISCONNECT") }, { 0x05, NMX_STR("CREATE") },
    { 0x06, NMX_STR("CLOSE") }, { 0x07, NMX_STR("FLUSH") }, { 0x08, NMX_STR("READ") },
    { 0x09, NMX_STR("WRITE") }, { 0x0A, NMX_STR("LOCK") }, { 0x0B, NMX_STR("IOCTL") },
    { 0x0C, NMX_STR("CANCEL") }, { 0x0D, NMX_STR("ECHO") },
    { 0x0E, NMX_STR("QUERY_DIRECTORY") }, { 0x0F, NMX_STR("CHANGE_NOTIFY") },
    { 0x10, NMX_STR("QUERY_INFO") }, { 0x11, NMX_STR("SET_INFO") },
    { 0x12, NMX_STR("OPLOCK_BREAK") },
};
static SET smb2_cmd_set = { sizeof smb2_cmds / sizeof smb2_cmds[0], { .lpLabeledWordTable = smb2_cmds } };

/* [MS-SMB2] 2.2.1.2 Flags. */
static LABELED_BIT smb2_flag_bits[] = {
    { 0, NMX_STR("Request"), NMX_STR("Response") },
    { 1, NMX_STR("Synchronous command"), NMX_STR("Asynchronous command") },
    { 2, NMX_STR("Not a related operation"), NMX_STR("Related operation (compounded)") },
    { 3, NMX_STR("Not signed"), NMX_STR("Signed") },
    /* SMB2_FLAGS_PRIORITY_MASK (3.1.1): a 3-bit priority value */
    { 4, NMX_STR("Priority value bit 0 clear"), NMX_STR("Priority value bit 0 set") },
    { 5, NMX_STR("Priority value bit 1 clear"), NMX_STR("Priority value bit 1 set") },
    { 6, NMX_STR("Priority value bit 2 clear"), NMX_STR("Priority value bit 2 set") },
    { 28, NMX_STR("Not a DFS operation"), NMX_STR("DFS operation") },
    { 29, NMX_STR("Not a replay"), NMX_STR("Replay operation") },
};
static SET smb2_flag_set = { sizeof smb2_flag_bits / sizeof smb2_flag_bits[0], { .lpLabeledBit = smb2_flag_bits } };

#define SMB2_PROPS(X) \
    X(SMB2_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(SMB2_PROTOID, "Protocol Id", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(SMB2_SSIZE, "Structure Size", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB2_CHARGE, "Credit Charge", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB2_STATUS, "Status", PROP_TYPE_DWORD, PROP_QUAL_LABELED_SET, &nmx__ntstatus_set, 0, 1, NMX_FMT_HEX, "NT Status") \
    X(SMB2_COMMAND, "Command", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &smb2_cmd_set, 0, 1, NMX_FMT_HEX, NULL) \
    X(SMB2_CREDITS, "Credits", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "Credit Request|Credit Response") \
    X(SMB2_FLAGS, "Flags", PROP_TYPE_DWORD, PROP_QUAL_FLAGS, &smb2_flag_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB2_NEXT, "Next Command", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "NextCommand") \
    X(SMB2_MID, "Message Id", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "MessageId") \
    X(SMB2_PID, "Process Id", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, "Reserved") \
    X(SMB2_TID, "Tree Id", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, "TreeId") \
    X(SMB2_ASYNCID, "Async Id", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, "AsyncId") \
    X(SMB2_SESSID, "Session Id", PROP_TYPE_LARGEINT, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, "SessionId") \
    X(SMB2_SIGNATURE, "Signature", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB2_SHARE, "Share", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 2, NMX_FMT_CUSTOM, "Path") \
    X(SMB2_FILE, "File Name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, IFLAG_UNICODE, 2, NMX_FMT_CUSTOM, "File") \
    X(SMB2_BODY, "Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL) \
    X(SMB2_NONCE, "Nonce", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB2_ORIGSIZE, "Original Message Size", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB2_ENCFLAGS, "Encryption Flags", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_HEX, "Encryption Algorithm") \
    X(SMB2_ENCDATA, "Encrypted Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, NULL)

enum { SMB2_PROPS(NMX_PROP_ENUM) SMB2_NPROPS };
static nmx_propdef smb2_props[] = { SMB2_PROPS(NMX_PROP_DEF) };

#define SMB2_HDR 64
#define SMB2_TRANSFORM_HDR 52
#define SMB2_FLAG_RESPONSE 0x1u
#define SMB2_FLAG_ASYNC 0x2u

enum { CMD_TREE_CONNECT = 3, CMD_CREATE = 5 };

/* A request's UTF-16 name at [off, off + len) of the message (an offset
 * from the header start, [MS-SMB2] 2.2.9, 2.2.13); end = message end. */
static void request_name(nmx_dis *d, nmx_rd *r, unsigned prop, uint32_t at, uint32_t end)
{
    uint16_t off = nmx_rd_le16(r, at), len = nmx_rd_le16(r, at + 2);
    if (!nmx_rd_ok(r) || len == 0)
        return;
    if (off < SMB2_HDR || (uint32_t)off + len > end || len % 2) {
        nmx_dis_malformed(d, NULL);
        return;
    }
    if (nmx_rd_has(r, off, len)) {
        nmx_dis_attach(d, prop, off, len);
        nmx_dis_set_aux(d, 0, off);
        nmx_dis_set_aux(d, 1, len);
    }
}

static void transform(nmx_dis *d, nmx_rd *r, nmx_span s)
{
    nmx_dis_attach(d, SMB2_SUMMARY, 0, r->len < SMB2_TRANSFORM_HDR ? r->len : SMB2_TRANSFORM_HDR);
    nmx_dis_attach(d, SMB2_PROTOID, 0, 4);
    nmx_dis_attach(d, SMB2_SIGNATURE, 4, 16);
    nmx_dis_attach(d, SMB2_NONCE, 20, 16);
    PROPERTYINST *po = nmx_dis_attach(d, SMB2_ORIGSIZE, 36, 4);
    nmx_dis_attach(d, SMB2_ENCFLAGS, 42, 2);
    nmx_dis_attach(d, SMB2_SESSID, 44, 8);
    if (!nmx_rd_need(r, 0, SMB2_TRANSFORM_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    uint32_t orig = nmx_rd_le32(r, 36);
    /* The encrypted message is OriginalMessageSize bytes ([MS-SMB2]
     * 3.1.4.3): more than the NBT message holds is a contradiction. */
    if (orig > s.wire - SMB2_TRANSFORM_HDR)
        nmx_dis_malformed(d, po);
    nmx_span e = nmx_span_from(s, SMB2_TRANSFORM_HDR);
    if (e.wire)
        nmx_dis_attach(d, SMB2_ENCDATA, SMB2_TRANSFORM_HDR, e.len);
}

static void smb2_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    uint8_t magic = nmx_rd_u8(&r, 0);
    const uint8_t *smb = nmx_rd_ptr(&r, 1, 3);
    if (smb && memcmp(smb, "SMB", 3) != 0)
        nmx_dis_malformed(d, NULL);
    if (magic == 0xFD) {
        transform(d, &r, s);
        if (r.len < s.wire)
            nmx_dis_truncated(d);
        return;
    }
    uint32_t flags = nmx_rd_le32(&r, 16), next = nmx_rd_le32(&r, 20);
    uint16_t ssize = nmx_rd_le16(&r, 4), cmd = nmx_rd_le16(&r, 12);
    bool ok = nmx_rd_ok(&r);
    PROPERTYINST *ps = NULL;
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, SMB2_SUMMARY, 0, r.len < SMB2_HDR ? r.len : SMB2_HDR);
        nmx_dis_attach(d, SMB2_PROTOID, 0, 4);
        ps = nmx_dis_attach(d, SMB2_SSIZE, 4, 2);
        nmx_dis_attach(d, SMB2_CHARGE, 6, 2);
        nmx_dis_attach(d, SMB2_STATUS, 8, 4);
        nmx_dis_attach(d, SMB2_COMMAND, 12, 2);
        nmx_dis_attach(d, SMB2_CREDITS, 14, 2);
        nmx_dis_attach(d, SMB2_FLAGS, 16, 4);
        nmx_dis_attach(d, SMB2_NEXT, 20, 4);
        nmx_dis_attach(d, SMB2_MID, 24, 8);
        if (ok && (flags & SMB2_FLAG_ASYNC)) {
            nmx_dis_attach(d, SMB2_ASYNCID, 32, 8);
        } else {
            nmx_dis_attach(d, SMB2_PID, 32, 4);
            nmx_dis_attach(d, SMB2_TID, 36, 4);
        }
        nmx_dis_attach(d, SMB2_SESSID, 40, 8);
        nmx_dis_attach(d, SMB2_SIGNATURE, 48, 16);
    }
    /* In both modes, before the header's end is needed: a StructureSize
     * other than 64 makes even a cut header malformed. */
    if (nmx_rd_has(&r, 4, 2) && ssize != SMB2_HDR)
        nmx_dis_malformed(d, ps);
    if (!nmx_rd_need(&r, 0, SMB2_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    /* This message's end: the next compounded one, or the NBT message's. */
    uint32_t end = s.wire;
    bool chain = false;
    if (next != 0) {
        if (next < SMB2_HDR || next % 8 || next >= s.wire)
            nmx_dis_malformed(d, NULL); /* [MS-SMB2] 2.2.1: 8-byte aligned */
        else {
            end = next;
            chain = true;
        }
    }
    if (r.len < end)
        nmx_dis_truncated(d);
    {
        /* In both modes: a name can make the layer malformed. */
        if (end > SMB2_HDR) {
            uint32_t cap = end < r.len ? end : r.len;
            nmx_dis_attach(d, SMB2_BODY, SMB2_HDR, cap - SMB2_HDR);
        }
        if (!(flags & SMB2_FLAG_RESPONSE)) {
            if (cmd == CMD_TREE_CONNECT)
                request_name(d, &r, SMB2_SHARE, SMB2_HDR + 4, end);
            else if (cmd == CMD_CREATE)
                request_name(d, &r, SMB2_FILE, SMB2_HDR + 44, end);
        }
    }
    if (chain && next >= r.len)
        nmx_dis_truncated(d); /* the compounded messages were not captured */
    if (chain)
        nmx_dis_next_proto(d, &nmx_proto_smb2, nmx_span_from(s, next));
}

/* UTF-16LE as one safe line (as the generic formatter prints it). */
static size_t put_utf16(char *buf, size_t n, size_t at, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i + 1 < len; i += 2) {
        unsigned ch = p[i] | (unsigned)p[i + 1] << 8;
        char t[8];
        int w = ch >= 0x20 && ch < 0x7F && ch != '\\' ? snprintf(t, sizeof t, "%c", (char)ch)
                : ch == '\\'                          ? snprintf(t, sizeof t, "\\")
                                                      : snprintf(t, sizeof t, "\\u%04X", ch);
        at = nmx__fmt_append(buf, n, at, t, (size_t)w);
    }
    return at;
}

static size_t smb2_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop == SMB2_SHARE || c->prop == SMB2_FILE) {
        /* Paths as Windows writes them: back-slashes kept. */
        size_t at = (size_t)snprintf(buf, n, "%s = ", c->def->info.Label);
        return put_utf16(buf, n, at, c->pi->lpData, c->pi->DataLength);
    }
    if (c->prop != SMB2_SUMMARY)
        return (size_t)-1;
    const uint8_t *h = c->frame + c->layer->offset;
    uint32_t cap = c->layer->caplen;
    nmx_rd r = nmx_rd_make(h, cap);
    if (nmx_rd_u8(&r, 0) == 0xFD) {
        if (cap < SMB2_TRANSFORM_HDR)
            return (size_t)snprintf(buf, n, "Truncated SMB2 transform header");
        return (size_t)snprintf(buf, n, "Encrypted message, Session Id = 0x%016llX, Original size = %u",
                                (unsigned long long)nmx_rd_le64(&r, 44), (unsigned)nmx_rd_le32(&r, 36));
    }
    if (cap < SMB2_HDR)
        return (size_t)snprintf(buf, n, "Truncated SMB2 header");
    uint32_t status = nmx_rd_le32(&r, 8), flags = nmx_rd_le32(&r, 16);
    uint16_t cmd = nmx_rd_le16(&r, 12);
    const char *cn = cmd < sizeof smb2_cmds / sizeof smb2_cmds[0] ? smb2_cmds[cmd].Label : NULL;
    char cbuf[16];
    if (!cn) {
        snprintf(cbuf, sizeof cbuf, "0x%04X", cmd);
        cn = cbuf;
    }
    bool resp = (flags & SMB2_FLAG_RESPONSE) != 0;
    size_t at = (size_t)snprintf(buf, n, "%c %s", resp ? 'R' : 'C', cn);
    if (resp) {
        const char *sn = nmx__ntstatus_name(status);
        char sb[16];
        if (!sn) {
            snprintf(sb, sizeof sb, "0x%08X", status);
            sn = sb;
        }
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, ", Status = %s", sn);
        return at;
    }
    uint32_t off = nmx_fmt_aux(c, 0), len = nmx_fmt_aux(c, 1);
    if (len && off <= cap && len <= cap - off && (cmd == CMD_TREE_CONNECT || cmd == CMD_CREATE)) {
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, ", %s = ",
                               cmd == CMD_CREATE ? "File" : "Share");
        at = put_utf16(buf, n, at, h + off, len);
    }
    return at;
}

const nmx_protocol nmx_proto_smb2 = {
    .name = "SMB2",
    .comment = "Server Message Block version 2 and 3",
    .aliases = "Smb2|SMB3",
    .props = smb2_props,
    .nprops = SMB2_NPROPS,
    .dissect = smb2_dissect,
    .format = smb2_format,
    .handoff = { { NMX_HO_SMB_MAGIC, 0xFE }, { NMX_HO_SMB_MAGIC, 0xFD } },
};
