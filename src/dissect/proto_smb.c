/*
 * \summary: Server Message Block (SMB 1, CIFS) header and commands
 *
 * specification: [MS-CIFS] 2.2.3.1 (SMB header), 2.2.3.2 (parameter and
 * data blocks), 2.2.4 (commands: AndX chaining 2.2.4.x, NEGOTIATE
 * 2.2.4.52, TREE_CONNECT_ANDX 2.2.4.55, NT_CREATE_ANDX 2.2.4.64, CLOSE
 * 2.2.4.5, TRANSACTION 2.2.4.33), 2.2.2.4 (SMB error classes and codes); [MS-SMB] 2.2.3.1
 * (the Flags2 bits it adds); [MS-ERREF] 2.3 (NTSTATUS layout and names).
 *
 * Brought here by: NBT (session messages on TCP 139/445, datagrams on
 * UDP 138), which hands a message whose first bytes are "\xFFSMB" to the
 * NMX_HO_SMB_MAGIC table (key 0xFF). Hands off to nothing.
 *
 *    0       1       2       3       4       5       6       7
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   | 0xFF    'S'     'M'     'B'   |Command| Status (NT: 4 bytes;  |
 *   +-------+-------+-------+-------+-------+ DOS: class, reserved,
 *   |       | Flags |    Flags2     | PIDHigh       | Security ...  |   code)
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |     ... Features (8)                  | Reserved      |  TID  |
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   |  TID  |PIDLow         | UID           | MID           |
 *   +-------+-------+-------+-------+-------+-------+-------+
 *   | WordCount | Words (2 x WordCount) | ByteCount (2) | Bytes ...
 *   (numbers little-endian)
 *
 * An AndX command's first words are AndXCommand, AndXReserved and
 * AndXOffset (from the header's start to the next command's WordCount);
 * the chain is followed inside the one SMB layer, each AndXCommand
 * adding a "Command" instance (0xFF, "no further commands", too: tshark's
 * smb.cmd lists it as well) and each chained command its word and byte
 * blocks. A chain ends at
 * AndXCommand 0xFF or a command that is no AndX command; an AndXOffset
 * that does not move forward past the current block, or lies outside the
 * message, is malformed, and at most SMB_MAX_ANDX commands are followed.
 *
 * Names: Network Monitor 2.x's SMB parser, as Microsoft's KB articles
 * quote its detail pane (netmon-parsers.md §3.10): "Command = C NT
 * transact" (C request, R response: the value is the labeled command, the
 * prefix is the format's), "NT status code = 0x10C, Facility = System,
 * Severity = Success, Code = (268) STATUS_NOTIFY_ENUM_DIR", "Error class",
 * "Error code", "Header: PID = 0x03DC TID = 0x0005 MID = 0x1659 UID =
 * 0x0072", "Flags Summary" and "flags2 Summary" with their bit texts,
 * "Tree ID      (TID)" and its siblings with their alignment spaces (the
 * registry collapses runs of spaces, and "TID", "PID", "UID", "MID" are
 * aliases), "Word count", "Word parameters", "Byte count", "Byte
 * parameters", "Next offset". Summaries as Network Monitor's: "C negotiate,
 * Dialect = NT LM 0.12", "R negotiate, Dialect # = 7", "C session setup &
 * X, and C tree connect & X, Share = \\SERVER\IPC$", "R NT create & X, FID
 * = 0x800", "C close file, FID = 0x800", "C transact, File =
 * \MAILSLOT\BROWSE", "R NT transact - NT error,
 * System, Success, Code = (268) STATUS_NOTIFY_ENUM_DIR"; a DOS error as
 * " - Server Error, Code = 2242".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"
#include "dissect/ntstatus.h"

/* [MS-CIFS] 2.2.2.1, in Network Monitor's words where its traces show them. */
static LABELED_BYTE smb_cmds[] = {
    { 0x00, NMX_STR("create directory") }, { 0x01, NMX_STR("delete directory") },
    { 0x02, NMX_STR("open") }, { 0x03, NMX_STR("create") }, { 0x04, NMX_STR("close file") },
    { 0x05, NMX_STR("flush") }, { 0x06, NMX_STR("delete") }, { 0x07, NMX_STR("rename") },
    { 0x08, NMX_STR("query information") }, { 0x09, NMX_STR("set information") },
    { 0x0A, NMX_STR("read") }, { 0x0B, NMX_STR("write") }, { 0x0C, NMX_STR("lock byte range") },
    { 0x0D, NMX_STR("unlock byte range") }, { 0x0E, NMX_STR("create temporary") },
    { 0x0F, NMX_STR("create new") }, { 0x10, NMX_STR("check directory") },
    { 0x11, NMX_STR("process exit") }, { 0x12, NMX_STR("seek") },
    { 0x13, NMX_STR("lock and read") }, { 0x14, NMX_STR("write and unlock") },
    { 0x1A, NMX_STR("read block raw") }, { 0x1B, NMX_STR("read block multiplexed") },
    { 0x1C, NMX_STR("read block secondary") }, { 0x1D, NMX_STR("write block raw") },
    { 0x1E, NMX_STR("write block multiplexed") }, { 0x1F, NMX_STR("write block secondary") },
    { 0x20, NMX_STR("write complete") }, { 0x21, NMX_STR("query server") },
    { 0x22, NMX_STR("set information2") }, { 0x23, NMX_STR("query information2") },
    { 0x24, NMX_STR("locking & X") }, { 0x25, NMX_STR("transact") },
    { 0x26, NMX_STR("transact secondary") }, { 0x27, NMX_STR("IOCTL") },
    { 0x28, NMX_STR("IOCTL secondary") }, { 0x29, NMX_STR("copy") }, { 0x2A, NMX_STR("move") },
    { 0x2B, NMX_STR("echo") }, { 0x2C, NMX_STR("write and close") },
    { 0x2D, NMX_STR("open & X") }, { 0x2E, NMX_STR("read & X") }, { 0x2F, NMX_STR("write & X") },
    { 0x30, NMX_STR("new file size") }, { 0x31, NMX_STR("close and tree disconnect") },
    { 0x32, NMX_STR("transact2") }, { 0x33, NMX_STR("transact2 secondary") },
    { 0x34, NMX_STR("find close2") }, { 0x35, NMX_STR("find notify close") },
    { 0x70, NMX_STR("tree connect") }, { 0x71, NMX_STR("tree disconnect") },
    { 0x72, NMX_STR("negotiate") }, { 0x73, NMX_STR("session setup & X") },
    { 0x74, NMX_STR("logoff & X") }, { 0x75, NMX_STR("tree connect & X") },
    { 0x7E, NMX_STR("security package & X") },
    { 0x80, NMX_STR("query information disk") }, { 0x81, NMX_STR("search") },
    { 0x82, NMX_STR("find") }, { 0x83, NMX_STR("find unique") }, { 0x84, NMX_STR("find close") },
    { 0xA0, NMX_STR("NT transact") }, { 0xA1, NMX_STR("NT transact secondary") },
    { 0xA2, NMX_STR("NT create & X") }, { 0xA4, NMX_STR("NT cancel") },
    { 0xA5, NMX_STR("NT rename") }, { 0xC0, NMX_STR("open spool file") },
    { 0xC1, NMX_STR("write spool file") }, { 0xC2, NMX_STR("close spool file") },
    { 0xC3, NMX_STR("get print queue") }, { 0xD8, NMX_STR("read bulk") },
    { 0xD9, NMX_STR("write bulk") }, { 0xDA, NMX_STR("write bulk data") },
    { 0xFE, NMX_STR("invalid") }, { 0xFF, NMX_STR("no further commands") },
};
static SET smb_cmd_set = { sizeof smb_cmds / sizeof smb_cmds[0], { .lpLabeledByteTable = smb_cmds } };

/* [MS-CIFS] 2.2.2.4 error classes. */
static LABELED_BYTE smb_classes[] = {
    { 0x00, NMX_STR("No Error") }, { 0x01, NMX_STR("DOS Error") }, { 0x02, NMX_STR("Server Error") },
    { 0x03, NMX_STR("Hardware Error") }, { 0xFF, NMX_STR("Command Error") },
};
static SET smb_class_set = { sizeof smb_classes / sizeof smb_classes[0], { .lpLabeledByteTable = smb_classes } };

/* [MS-CIFS] 2.2.3.1 Flags; texts of Network Monitor's traces. */
static LABELED_BIT smb_flag_bits[] = {
    { 0, NMX_STR("Lock & Read and Write & Unlock not supported"), NMX_STR("Lock & Read and Write & Unlock supported") },
    { 1, NMX_STR("Send No Ack not supported"), NMX_STR("Send No Ack supported") },
    { 3, NMX_STR("Using exact pathnames"), NMX_STR("Using caseless pathnames") },
    { 4, NMX_STR("No canonicalized pathnames"), NMX_STR("Canonicalized pathnames") },
    { 5, NMX_STR("No Opportunistic lock"), NMX_STR("Opportunistic lock") },
    { 6, NMX_STR("No Change Notify"), NMX_STR("Change Notify") },
    { 7, NMX_STR("Client command"), NMX_STR("Server response") },
};
static SET smb_flag_set = { sizeof smb_flag_bits / sizeof smb_flag_bits[0], { .lpLabeledBit = smb_flag_bits } };

/* [MS-CIFS] 2.2.3.1 Flags2, [MS-SMB] 2.2.3.1. */
static LABELED_BIT smb_flag2_bits[] = {
    { 0, NMX_STR("Does not understand long filenames"), NMX_STR("Understands long filenames") },
    { 1, NMX_STR("Does not understand extended attributes"), NMX_STR("Understands extended attributes") },
    { 2, NMX_STR("Security signatures not supported"), NMX_STR("Security signatures supported") },
    { 3, NMX_STR("Compression not requested"), NMX_STR("Compression requested") },
    { 4, NMX_STR("Security signatures not required"), NMX_STR("Security signatures required") },
    { 6, NMX_STR("Long names not used in paths"), NMX_STR("Long names used in paths") },
    { 10, NMX_STR("No reparse path"), NMX_STR("Reparse path") },
    { 11, NMX_STR("No extended security"), NMX_STR("Extended security negotiation") },
    { 12, NMX_STR("No DFS namespace"), NMX_STR("DFS namespace") },
    { 13, NMX_STR("No paging of IO"), NMX_STR("Paging of IO") },
    { 14, NMX_STR("Using DOS error codes"), NMX_STR("Using NT status codes") },
    { 15, NMX_STR("Using ASCII strings"), NMX_STR("Using UNICODE strings") },
};
static SET smb_flag2_set = { sizeof smb_flag2_bits / sizeof smb_flag2_bits[0], { .lpLabeledBit = smb_flag2_bits } };

#define SMB_PROPS(X) \
    X(SMB_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(SMB_PROTOID, "Protocol Id", PROP_TYPE_DWORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_HEX, NULL) \
    X(SMB_COMMAND, "Command", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &smb_cmd_set, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(SMB_NTSTATUS, "NT status code", PROP_TYPE_DWORD, PROP_QUAL_LABELED_SET, &nmx__ntstatus_set, 0, 1, NMX_FMT_CUSTOM, "NT Status|Status") \
    X(SMB_ERRCLASS, "Error class", PROP_TYPE_BYTE, PROP_QUAL_LABELED_SET, &smb_class_set, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB_ERRCODE, "Error code", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, NULL) \
    X(SMB_FLAGS, "Flags Summary", PROP_TYPE_BYTE, PROP_QUAL_FLAGS, &smb_flag_set, 0, 1, NMX_FMT_DEFAULT, "Flags") \
    X(SMB_FLAGS2, "flags2 Summary", PROP_TYPE_WORD, PROP_QUAL_FLAGS, &smb_flag2_set, 0, 1, NMX_FMT_DEFAULT, "Flags2") \
    X(SMB_PIDHIGH, "Process ID High", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEFAULT, "PIDHigh") \
    X(SMB_SECSIG, "Security Signature", PROP_TYPE_BYTE, PROP_QUAL_ARRAY, NULL, 0, 1, NMX_FMT_DEFAULT, "SecurityFeatures") \
    X(SMB_HEADER, "Header", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_CUSTOM, NULL) \
    X(SMB_TID, "Tree ID      (TID)", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "TID|Tree ID") \
    X(SMB_PID, "Process ID   (PID)", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "PID|Process ID") \
    X(SMB_UID, "User ID      (UID)", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "UID|User ID") \
    X(SMB_MID, "Multiplex ID (MID)", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, "MID|Multiplex ID") \
    X(SMB_WC, "Word count", PROP_TYPE_BYTE, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEC, "WordCount") \
    X(SMB_WORDS, "Word parameters", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(SMB_ANDXOFF, "Next offset", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_HEX, "AndXOffset") \
    X(SMB_BC, "Byte count", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_DEC, "ByteCount") \
    X(SMB_BYTES, "Byte parameters", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_LABEL, NULL) \
    X(SMB_DIALECT, "Dialect", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEFAULT, NULL) \
    X(SMB_DIALECTIDX, "Dialect #", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_DEC, "Dialect Index|DialectIndex") \
    X(SMB_SHARE, "Share", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_CUSTOM, "Path") \
    X(SMB_FILE, "File name", PROP_TYPE_STRING, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_CUSTOM, "File|FileName") \
    X(SMB_FID, "File ID (FID)", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, 0, 2, NMX_FMT_HEX, "FID")

enum { SMB_PROPS(NMX_PROP_ENUM) SMB_NPROPS };
static nmx_propdef smb_props[] = { SMB_PROPS(NMX_PROP_DEF) };

#define SMB_HDR 32
#define SMB_MAX_ANDX 16 /* commands followed in one message */
#define SMB_FLAGS_REPLY 0x80u
#define SMB_FLAGS2_NT_STATUS 0x4000u
#define SMB_FLAGS2_UNICODE 0x8000u

enum {
    CMD_CLOSE = 0x04, CMD_TRANSACT = 0x25, CMD_LOCKING_ANDX = 0x24, CMD_OPEN_ANDX = 0x2D, CMD_READ_ANDX = 0x2E,
    CMD_WRITE_ANDX = 0x2F, CMD_NEGOTIATE = 0x72, CMD_SESSION_SETUP_ANDX = 0x73,
    CMD_LOGOFF_ANDX = 0x74, CMD_TREE_CONNECT_ANDX = 0x75, CMD_NT_CREATE_ANDX = 0xA2,
    CMD_NONE = 0xFF,
};

/* aux 0: the name of the summary (offset << 16 | length; 0 none);
 * aux 1: the FID's offset (0 none). Both relative to the layer. */

static bool is_andx(uint8_t c)
{
    switch (c) {
    case CMD_LOCKING_ANDX: case CMD_OPEN_ANDX: case CMD_READ_ANDX: case CMD_WRITE_ANDX:
    case CMD_SESSION_SETUP_ANDX: case CMD_LOGOFF_ANDX: case CMD_TREE_CONNECT_ANDX:
    case CMD_NT_CREATE_ANDX:
        return true;
    default:
        return false;
    }
}

/* A string of the byte block [at, end): ASCII up to its NUL, or UTF-16LE
 * (2-byte aligned from the header's start, [MS-CIFS] 2.2.1.1) up to its
 * NUL. Attaches it; returns the offset after it (and its NUL). */
static uint32_t smb_string(nmx_dis *d, nmx_rd *r, unsigned prop, uint32_t at, uint32_t end,
                           bool unicode, bool for_summary)
{
    if (unicode && (at & 1u))
        at++;
    if (at >= end)
        return end;
    uint32_t e = at, n = 0;
    if (unicode) {
        while (e + 1 < end && nmx_rd_has(r, e, 2) && nmx_rd_le16(r, e) != 0)
            e += 2;
        n = e - at;
        e = e + 1 < end ? e + 2 : end;
    } else {
        while (e < end && nmx_rd_has(r, e, 1) && nmx_rd_u8(r, e) != 0)
            e++;
        n = e - at;
        e = e < end ? e + 1 : end;
    }
    if (!nmx_rd_has(r, at, n))
        return end;
    PROPERTYINST *pi = nmx_dis_attach(d, prop, at, n);
    if (pi && unicode)
        pi->IFlags |= IFLAG_UNICODE;
    if (for_summary && n && at <= 0xFFFFu && n <= 0xFFFFu)
        nmx_dis_set_aux(d, 0, at << 16 | n);
    return e;
}

/* The fields of one command block worth a summary. w: first word, b:
 * first byte of the data block, bend: its end. */
static void command_fields(nmx_dis *d, nmx_rd *r, uint8_t cmd, bool reply, uint8_t wc,
                           uint32_t w, uint32_t b, uint32_t bend, bool unicode)
{
    switch (cmd) {
    case CMD_NEGOTIATE:
        if (reply) {
            if (wc >= 1)
                nmx_dis_attach(d, SMB_DIALECTIDX, w, 2);
            return;
        }
        /* Dialects: 0x02 then an ASCII string, one after another. */
        for (uint32_t o = b; o < bend && nmx_rd_has(r, o, 1);) {
            if (nmx_rd_u8(r, o) != 0x02) {
                nmx_dis_malformed(d, NULL);
                return;
            }
            o = smb_string(d, r, SMB_DIALECT, o + 1, bend, false, true);
        }
        return;
    case CMD_TREE_CONNECT_ANDX:
        /* words: AndX (4), Flags (2), PasswordLength (2); bytes:
         * Password, Path, Service ([MS-CIFS] 2.2.4.55.1). */
        if (!reply && wc >= 4) {
            uint16_t pl = nmx_rd_le16(r, w + 6);
            if ((uint32_t)b + pl <= bend)
                smb_string(d, r, SMB_SHARE, b + pl, bend, unicode, true);
        }
        return;
    case CMD_NT_CREATE_ANDX:
        /* request words: AndX (4), Reserved (1), NameLength (2), ... (24
         * words); bytes: FileName. Response: AndX (4), OplockLevel (1),
         * FID (2) ([MS-CIFS] 2.2.4.64). */
        if (!reply && wc >= 24)
            smb_string(d, r, SMB_FILE, b, bend, unicode, true);
        else if (reply && wc >= 4 && nmx_dis_attach(d, SMB_FID, w + 5, 2))
            nmx_dis_set_aux(d, 1, w + 5);
        return;
    case CMD_TRANSACT:
        /* request: 14 words + SetupCount setup words; bytes: Name
         * (\MAILSLOT\BROWSE, \PIPE\...) first ([MS-CIFS] 2.2.4.33.1). */
        if (!reply && wc >= 14)
            smb_string(d, r, SMB_FILE, b, bend, unicode, true);
        return;
    case CMD_CLOSE:
        if (!reply && wc >= 1 && nmx_dis_attach(d, SMB_FID, w, 2))
            nmx_dis_set_aux(d, 1, w);
        return;
    default:
        return;
    }
}

static void smb_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    const uint8_t *magic = nmx_rd_ptr(&r, 0, 4);
    if (magic && memcmp(magic, "\xFFSMB", 4) != 0)
        nmx_dis_malformed(d, NULL);
    uint8_t cmd = nmx_rd_u8(&r, 4), flags = nmx_rd_u8(&r, 9);
    uint16_t flags2 = nmx_rd_le16(&r, 10);
    bool hdr_ok = nmx_rd_ok(&r);
    if (r.len < s.wire)
        nmx_dis_truncated(d);
    if (nmx_dis_attaching(d)) {
        nmx_dis_attach(d, SMB_SUMMARY, 0, r.len < SMB_HDR ? r.len : SMB_HDR);
        nmx_dis_attach(d, SMB_PROTOID, 0, 4);
        nmx_dis_attach(d, SMB_COMMAND, 4, 1);
        if (hdr_ok && (flags2 & SMB_FLAGS2_NT_STATUS)) {
            nmx_dis_attach(d, SMB_NTSTATUS, 5, 4);
        } else if (hdr_ok) {
            nmx_dis_attach(d, SMB_ERRCLASS, 5, 1);
            nmx_dis_attach(d, SMB_ERRCODE, 7, 2);
        }
        nmx_dis_attach(d, SMB_FLAGS, 9, 1);
        nmx_dis_attach(d, SMB_FLAGS2, 10, 2);
        nmx_dis_attach(d, SMB_PIDHIGH, 12, 2);
        nmx_dis_attach(d, SMB_SECSIG, 14, 8);
        nmx_dis_attach(d, SMB_HEADER, 24, 8);
        nmx_dis_attach(d, SMB_TID, 24, 2);
        nmx_dis_attach(d, SMB_PID, 26, 2);
        nmx_dis_attach(d, SMB_UID, 28, 2);
        nmx_dis_attach(d, SMB_MID, 30, 2);
    }
    if (!nmx_rd_need(&r, 0, SMB_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    /* The command blocks decide the status (a WordCount or ByteCount past
     * the message, an AndX loop): walked in both modes, the attaches being
     * no-ops without NMX_DIS_ATTACH (docs/dissectors.md, "The driver"). */
    bool reply = (flags & SMB_FLAGS_REPLY) != 0;
    bool unicode = (flags2 & SMB_FLAGS2_UNICODE) != 0;
    uint32_t blk = SMB_HDR;
    for (unsigned i = 0;; i++) {
        if (blk >= s.wire) {
            /* Every command has its WordCount and ByteCount (2.2.3.2). */
            nmx_dis_malformed(d, NULL);
            return;
        }
        uint8_t wc = nmx_rd_u8(&r, blk);
        PROPERTYINST *pw = nmx_dis_attach(d, SMB_WC, blk, 1);
        if (!nmx_rd_ok(&r))
            return; /* truncated */
        uint32_t w = blk + 1, bcat = w + 2u * wc;
        if ((uint64_t)bcat + 2 > s.wire) {
            nmx_dis_malformed(d, pw);
            return;
        }
        if (wc)
            nmx_dis_attach(d, SMB_WORDS, w, 2u * wc);
        uint16_t bc = nmx_rd_le16(&r, bcat);
        PROPERTYINST *pb = nmx_dis_attach(d, SMB_BC, bcat, 2);
        if (!nmx_rd_ok(&r))
            return;
        uint32_t b = bcat + 2, bend = b + bc;
        if (bend > s.wire) {
            nmx_dis_malformed(d, pb);
            bend = s.wire;
        }
        if (bc) {
            uint32_t have = bend < r.len ? bend : r.len;
            if (have > b)
                nmx_dis_attach(d, SMB_BYTES, b, have - b);
        }
        command_fields(d, &r, cmd, reply, wc, w, b, bend, unicode);
        if (!is_andx(cmd) || wc < 2)
            return;
        uint8_t next = nmx_rd_u8(&r, w);
        uint16_t off = nmx_rd_le16(&r, w + 2);
        if (!nmx_rd_ok(&r))
            return;
        /* Every AndXCommand is a "Command", 0xFF ("no further commands")
         * included, as tshark's smb.cmd lists them. */
        nmx_dis_attach(d, SMB_COMMAND, w, 1);
        PROPERTYINST *po = nmx_dis_attach(d, SMB_ANDXOFF, w + 2, 2);
        if (next == CMD_NONE)
            return;
        /* The next command's WordCount comes after this command's
         * parameter and data blocks, inside the message: a loop, a jump
         * back or into this command is malformed. */
        if (off < bend || off >= s.wire || i + 1 >= SMB_MAX_ANDX) {
            nmx_dis_malformed(d, po);
            return;
        }
        blk = off;
        cmd = next;
    }
}

/* ---- texts ---------------------------------------------------------------- */

/* A wire string as one safe line; back-slashes kept (paths). */
static void sb_string(nmx_fmtbuf *b, const uint8_t *p, uint32_t n, bool unicode)
{
    for (uint32_t i = 0; i < n; i += unicode ? 2 : 1) {
        unsigned ch = unicode ? (i + 1 < n ? p[i] | (unsigned)p[i + 1] << 8 : 0) : p[i];
        if (ch >= 0x20 && ch < 0x7F)
            nmx__fmt_printf(b, "%c", (char)ch);
        else if (unicode)
            nmx__fmt_printf(b, "\\u%04X", ch);
        else
            nmx__fmt_printf(b, "\\x%02X", ch);
    }
}

static const char *cmd_name(uint8_t c)
{
    for (size_t i = 0; i < sizeof smb_cmds / sizeof smb_cmds[0]; i++)
        if (smb_cmds[i].Value == c)
            return smb_cmds[i].Label;
    return NULL;
}

static void sb_cmd(nmx_fmtbuf *b, bool reply, uint8_t c)
{
    const char *n = cmd_name(c);
    if (n)
        nmx__fmt_printf(b, "%c %s", reply ? 'R' : 'C', n);
    else
        nmx__fmt_printf(b, "%c 0x%02X", reply ? 'R' : 'C', c);
}

static const char *const severities[] = { "Success", "Information", "Warning", "Error" };

/* "Facility = System, Severity = Success, Code = (268)
 * STATUS_NOTIFY_ENUM_DIR", or without the names of the parts ("System,
 * Success, Code = ..."), as the summary has it. */
static void sb_ntstatus(nmx_fmtbuf *b, uint32_t v, bool named)
{
    unsigned fac = (v >> 16) & 0xFFFu;
    if (fac == 0)
        nmx__fmt_printf(b, "%sSystem", named ? "Facility = " : "");
    else
        nmx__fmt_printf(b, "%s0x%X", named ? "Facility = " : "Facility ", fac);
    nmx__fmt_printf(b, ", %s%s, Code = (%u) ", named ? "Severity = " : "", severities[v >> 30],
              (unsigned)(v & 0xFFFFu));
    const char *n = nmx__ntstatus_name(v);
    if (n)
        nmx__fmt_printf(b, "%s", n);
    else
        nmx__fmt_printf(b, "0x%08X", v);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void summary(const nmx_fmtctx *c, nmx_fmtbuf *b)
{
    const uint8_t *h = c->frame + c->layer->offset;
    uint32_t cap = c->layer->caplen;
    if (cap < SMB_HDR) {
        nmx__fmt_printf(b, "Truncated SMB header");
        return;
    }
    bool reply = (h[9] & SMB_FLAGS_REPLY) != 0;
    uint16_t flags2 = le16(h + 10);
    bool unicode = (flags2 & SMB_FLAGS2_UNICODE) != 0;
    sb_cmd(b, reply, h[4]);
    /* The chained commands, as their instances say. */
    PROPERTYTABLE *pt = nmx_dissect_properties((nmx_dissector *)(uintptr_t)c->dis);
    const PROPERTYINST *first = pt ? pt->lpFirstPropertyInst + c->layer->first_inst : NULL;
    const PROPERTYINST *cmd_inst = NULL;
    for (uint32_t i = 0; first && i < c->layer->ninst; i++) {
        const PROPERTYINST *pi = &first[i];
        if (pi->lpPropertyInfo != &smb_props[SMB_COMMAND].info)
            continue;
        if (!cmd_inst) {
            cmd_inst = pi; /* the header's */
            continue;
        }
        if (*(const uint8_t *)pi->lpData == CMD_NONE)
            continue;
        nmx__fmt_printf(b, ", and ");
        sb_cmd(b, reply, *(const uint8_t *)pi->lpData);
    }
    /* Key fields. */
    uint32_t name = nmx_fmt_aux(c, 0), fid = nmx_fmt_aux(c, 1);
    uint32_t noff = name >> 16, nlen = name & 0xFFFFu;
    for (uint32_t i = 0; first && i < c->layer->ninst; i++) {
        const PROPERTYINST *pi = &first[i];
        const PROPERTYINFO *info = pi->lpPropertyInfo;
        if (info == &smb_props[SMB_DIALECTIDX].info && pi->DataLength == 2)
            nmx__fmt_printf(b, ", Dialect # = %u", le16(pi->lpData));
    }
    if (nlen && noff <= cap && nlen <= cap - noff) {
        const PROPERTYINST *pn = NULL;
        for (uint32_t i = 0; first && i < c->layer->ninst; i++)
            if ((const uint8_t *)first[i].lpData == h + noff &&
                (first[i].lpPropertyInfo == &smb_props[SMB_DIALECT].info ||
                 first[i].lpPropertyInfo == &smb_props[SMB_SHARE].info ||
                 first[i].lpPropertyInfo == &smb_props[SMB_FILE].info))
                pn = &first[i];
        if (pn) {
            const char *what = pn->lpPropertyInfo == &smb_props[SMB_DIALECT].info ? "Dialect"
                               : pn->lpPropertyInfo == &smb_props[SMB_SHARE].info ? "Share"
                                                                                   : "File";
            nmx__fmt_printf(b, ", %s = ", what);
            sb_string(b, h + noff, nlen, what[0] != 'D' && unicode);
        }
    }
    if (fid && fid + 2 <= cap)
        nmx__fmt_printf(b, ", FID = 0x%X", le16(h + fid));
    /* Errors. */
    if (flags2 & SMB_FLAGS2_NT_STATUS) {
        uint32_t st = le32(h + 5);
        if (st) {
            nmx__fmt_printf(b, " - NT error, ");
            sb_ntstatus(b, st, false);
        }
    } else if (h[5]) {
        const char *cl = NULL;
        for (size_t i = 0; i < sizeof smb_classes / sizeof smb_classes[0]; i++)
            if (smb_classes[i].Value == h[5])
                cl = smb_classes[i].Label;
        if (cl)
            nmx__fmt_printf(b, " - %s, Code = %u", cl, le16(h + 7));
        else
            nmx__fmt_printf(b, " - Error class 0x%02X, Code = %u", h[5], le16(h + 7));
    }
}

static size_t smb_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    nmx_fmtbuf b = { buf, n, 0 };
    if (n)
        buf[0] = 0;
    const uint8_t *h = c->frame + c->layer->offset;
    switch (c->prop) {
    case SMB_SUMMARY:
        summary(c, &b);
        return b.len;
    case SMB_COMMAND: {
        /* "Command = C NT transact": the value is the command, the
         * prefix says request or response (the header's Flags). */
        bool reply = c->layer->caplen > 9 && (h[9] & SMB_FLAGS_REPLY);
        nmx__fmt_printf(&b, "%s = ", c->def->info.Label);
        sb_cmd(&b, reply, *(const uint8_t *)c->pi->lpData);
        return b.len;
    }
    case SMB_NTSTATUS: {
        uint32_t v = le32(c->pi->lpData);
        nmx__fmt_printf(&b, "%s = 0x%X, ", c->def->info.Label, v);
        sb_ntstatus(&b, v, true);
        return b.len;
    }
    case SMB_HEADER: {
        const uint8_t *p = c->pi->lpData; /* TID, PIDLow, UID, MID */
        nmx__fmt_printf(&b, "Header: PID = 0x%04X TID = 0x%04X MID = 0x%04X UID = 0x%04X", le16(p + 2),
                  le16(p), le16(p + 6), le16(p + 4));
        return b.len;
    }
    case SMB_SHARE:
    case SMB_FILE:
    case SMB_DIALECT:
        nmx__fmt_printf(&b, "%s = ", c->def->info.Label);
        sb_string(&b, c->pi->lpData, c->pi->DataLength, (c->pi->IFlags & IFLAG_UNICODE) != 0);
        return b.len;
    default:
        return (size_t)-1;
    }
}

const nmx_protocol nmx_proto_smb = {
    .name = "SMB",
    .comment = "Server Message Block",
    .aliases = "Smb|CIFS",
    .props = smb_props,
    .nprops = SMB_NPROPS,
    .dissect = smb_dissect,
    .format = smb_format,
    .handoff = { { NMX_HO_SMB_MAGIC, 0xFF } },
};
