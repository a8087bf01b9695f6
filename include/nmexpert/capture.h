/*
 * nmexpert/capture.h: reading and writing capture files.
 *
 * Formats read (detected from the magic bytes, never from the file name):
 *   - pcap: microsecond and nanosecond, both byte orders, version 2.x;
 *   - pcapng: several sections (of either byte order), several interfaces
 *     with different link types, EPB, SPB, the obsolete Packet Block;
 *   - Network Monitor 1.x ("RTSS") and 2.0-2.3 ("GMBU") .cap files.
 * Other formats (snoop, compressed files, empty files, ...) are refused with a
 * message that names what was found.
 *
 * Formats written: pcap (µs or ns), pcapng, Network Monitor 2.3.
 *
 * Model: a capture is opened once. Opening maps the file read-only and builds
 * an index in one pass over it (pcap, pcapng: 0.5 byte per frame; a Network
 * Monitor file's own frame table is used in place).
 * Afterwards any frame is reached by number in O(1) and nothing more is
 * allocated: nmx_capture_frame() fills a caller-owned view whose data pointer
 * points into the mapping (zero copy). The mapping's resident part stays
 * within a window (32 MiB; NMX_CAPTURE_RESIDENT in the environment, bytes):
 * pages behind the frames in use are handed back to the kernel and mapped
 * again when touched, so pointers keep their lifetime (docs/capture-formats.md,
 * "Memory").
 *
 * Ownership and lifetimes:
 *   - nmx_capture_open*() returns a capture owned by the caller; release it
 *     with nmx_capture_close().
 *   - Every pointer obtained from a capture (frame data, comments, raw netmon
 *     records, interface names, the capture comment, warnings, names) stays
 *     valid until nmx_capture_close() of that capture, and no longer.
 *   - nmx_capture_open_memory() does not copy the buffer: it must stay
 *     unchanged and alive until nmx_capture_close().
 *   - A capture is immutable once open: any number of threads may call the
 *     query functions (all take a const capture) at the same time.
 *
 * Damage: an error in the file header fails the open, with an nmx_diag that
 * names the file, the byte offset, the offending value and the limit. Damage
 * later in the file (a truncated or impossible record) ends the frame list
 * there: the open succeeds, the frames before the damage stay available, and
 * a warning (nmx_capture_warning()) holds the diagnostic and the number of
 * frames read. NMX_CAPTURE_STRICT turns such warnings into errors.
 */
#ifndef NMEXPERT_CAPTURE_H
#define NMEXPERT_CAPTURE_H

#include <stdbool.h>
#include "nmexpert/common.h"

NMX_BEGIN_DECLS

/* ---------------------------------------------------------------------------
 * Named ceilings. Every length or count read from a file is checked against
 * one of these (or against the file size) before it is used or allocated.
 * ------------------------------------------------------------------------- */

/* Largest captured (stored) length of one frame, all formats. Same value as
 * libpcap's and Wireshark's maximum snapshot length. */
#define NMX_CAPTURE_MAX_CAPLEN      262144u
/* Largest pcap record captured length (alias of the above). */
#define NMX_PCAP_MAX_SNAPLEN        NMX_CAPTURE_MAX_CAPLEN
/* Largest pcapng block total length (16 MiB, as Wireshark and libpcap). */
#define NMX_PCAPNG_MAX_BLOCK        (16u * 1024u * 1024u)
/* Most pcapng sections (SHBs) in one file: the index keeps the section
 * number in 16 bits of each 8-byte entry. */
#define NMX_PCAPNG_MAX_SECTIONS     65535u
/* Most pcapng interfaces (IDBs) in one file, all sections together. */
#define NMX_PCAPNG_MAX_INTERFACES   65536u
/* Largest pcapng if_tsresol exponent: 10^-18 (attoseconds) or 2^-63. */
#define NMX_PCAPNG_MAX_TSRESOL_POW10 18u
#define NMX_PCAPNG_MAX_TSRESOL_POW2  63u
/* Largest file offset the index can hold (2^48 bytes = 256 TiB). */
#define NMX_CAPTURE_MAX_OFFSET      ((UINT64_C(1) << 48) - 1)
/* Most frames in one capture. Frame numbers are DWORDs in the Network
 * Monitor API and 0xFFFFFFFF means "before the first frame" there. */
#define NMX_CAPTURE_MAX_FRAMES      UINT64_C(0xFFFFFFFE)
/* Largest original (wire) length accepted when recovering a Network
 * Monitor file by scanning its records (plausibility check only). */
#define NMX_NETMON_MAX_WIRELEN      (16u * 1024u * 1024u)
/* The Network Monitor frame table may hold at most
 *   (file size - 72) / (record header size)
 * entries (8-byte headers for 1.x, 16 for 2.x): that is the largest number
 * of records the file could contain. A larger table is "damaged". */
/* Most warnings kept per capture (later ones are counted, not stored). */
#define NMX_CAPTURE_MAX_WARNINGS    8u

/* ---------------------------------------------------------------------------
 * Constants
 * ------------------------------------------------------------------------- */

/* nmx_frame.linktype of a frame with no pcap LINKTYPE_* equivalent (Network
 * Monitor ETW events, Network Monitor 802.11 metadata, ...). */
#define NMX_LINKTYPE_NONE           UINT32_C(0xFFFFFFFF)

/* Network Monitor MAC types (netmon.h MAC_TYPE_*, spec §8.6). */
#define NMX_MAC_TYPE_UNKNOWN        0u
#define NMX_MAC_TYPE_ETHERNET       1u
#define NMX_MAC_TYPE_TOKENRING      2u
#define NMX_MAC_TYPE_FDDI           3u
#define NMX_MAC_TYPE_ATM            4u
#define NMX_MAC_TYPE_1394           5u

/* nmx_frame.flags */
#define NMX_FRAME_NO_TIMESTAMP      0x1u  /* pcapng SPB: the file has no time; ts_ns is 0 */

/* nmx_capture_open*() flags */
#define NMX_CAPTURE_STRICT          0x1u  /* damage after the header is an error, not a warning */
#define NMX_CAPTURE_NO_RECOVER      0x2u  /* do not rebuild a damaged netmon frame table by scanning */
/* Index frames as they are first asked for, not all at open (pcap, pcapng,
 * and Network Monitor files whose frame table is sound: their records are
 * then checked as they are asked for). Open reads the header and the first
 * records only (a pcapng: on to its first frame and first time stamp, which
 * fix the MAC type and the start time), so it answers
 * at once whatever the file's size, and a forward scan reads each record
 * once instead of twice (an indexing pass, then the scan).
 * nmx_capture_frame(n) walks as far as frame n; nmx_capture_frame_count()
 * and nmx_capture_warning_count() walk to the end. Damage is found when the
 * walk reaches it and becomes a warning then, in the place it has among the
 * warnings of an open without the flag (ignored with NMX_CAPTURE_STRICT,
 * which needs the whole file checked at open). Thread-safe like the rest: any thread may ask for any frame. */
#define NMX_CAPTURE_INCREMENTAL     0x4u
/* With NMX_CAPTURE_INCREMENTAL, a pcap or pcapng file's walk is shared
 * with the processes forked from this one (Network Monitor files: ignored):
 * the index is in shared memory, this process publishes every batch its
 * walk indexes, and a forked process reads what was published instead of
 * walking the file again, waiting for this process's walk as far as it
 * needs. A host that runs readers in forked processes walks the capture
 * itself meanwhile (nmx_capture_walk); a forked process whose walker is
 * not walking this capture, stops, meets damage, finds a pcapng section or
 * interface it was not forked with, or publishes nothing for 10 ms walks on
 * alone from where it stood. A forked process cannot change what this one
 * reads: fork() gives it a read-only view of every shared walk, which it
 * cannot make writable (the memory is sealed), so code it runs, an
 * expert's included, is no danger to this process's index. */
#define NMX_CAPTURE_SHARE_WALK      0x8u

typedef enum nmx_capture_format {
    NMX_FORMAT_UNKNOWN = 0,
    NMX_FORMAT_PCAP,
    NMX_FORMAT_PCAPNG,
    NMX_FORMAT_NETMON1,   /* Network Monitor 1.x, "RTSS" */
    NMX_FORMAT_NETMON2    /* Network Monitor 2.0-2.3, "GMBU" */
} nmx_capture_format;

/*
 * A view of one frame, filled by nmx_capture_frame(). Pointers are into the
 * capture (see lifetimes above); the struct itself is the caller's.
 */
typedef struct nmx_frame {
    uint64_t       number;       /* zero-based frame number                       */
    int64_t        ts_ns;        /* time, ns since 1970-01-01 00:00:00 UTC         */
    uint32_t       caplen;       /* bytes stored in the file (= bytes at data)     */
    uint32_t       wirelen;      /* original length on the wire                    */
    const uint8_t *data;         /* caplen bytes, starting with the link header    */
    uint32_t       linktype;     /* pcap LINKTYPE_* value, or NMX_LINKTYPE_NONE    */
    uint16_t       mac_type;     /* NMX_MAC_TYPE_* (Ethernet 1, Token Ring 2, FDDI 3,
                                    netmon ATM 4 / 1394 5), else 0               */
    uint16_t       netmon_media; /* netmon files: raw media type code of the frame
                                    (trailer, or header MacType before 2.1); else 0 */
    uint32_t       interface_id; /* pcapng: index for nmx_capture_interface(); else 0 */
    uint32_t       flags;        /* NMX_FRAME_*                                    */
    const char    *comment;      /* UTF-8, NOT NUL-terminated; NULL if none        */
    size_t         comment_len;  /* bytes at comment                               */
    const uint8_t *netmon_record;/* netmon 2.x: the raw FRAME record (16-byte
                                    header + data), for EXPERTFRAMEDESCRIPTOR.pFrame;
                                    NULL for other formats and for netmon 1.x     */
    uint64_t       offset;       /* file offset of the frame's record / block      */
} nmx_frame;

/* One capture interface. pcap: one, from the file header. pcapng: one per
 * Interface Description Block, numbered across all sections (opened with
 * NMX_CAPTURE_INCREMENTAL: those walked so far; the count only grows, and
 * an interface once read does not change). netmon: none. */
typedef struct nmx_interface {
    uint32_t    linktype;     /* LINKTYPE_* */
    uint32_t    snaplen;      /* 0 = no limit */
    const char *name;         /* if_name, NUL-terminated UTF-8; NULL if none */
    uint8_t     tsresol;      /* raw if_tsresol: 6 = µs (default), 9 = ns, 0x80|n = 2^-n */
    int64_t     tsoffset_s;   /* if_tsoffset, seconds added to every time   */
    uint32_t    section;      /* zero-based pcapng section (SHB) number     */
} nmx_interface;

typedef struct nmx_capture nmx_capture;

/* Open a capture file. flags: NMX_CAPTURE_*. On failure *out is NULL and diag
 * (may be NULL) says why: NMX_EIO (with errno text), NMX_EFORMAT (not a capture
 * format we read, or empty), NMX_EUNSUPPORTED (a version we do not read),
 * NMX_ECORRUPT / NMX_ETRUNCATED (damaged header), NMX_ENOMEM. */
NMX_API nmx_err nmx_capture_open(const char *path, unsigned flags, nmx_capture **out,
                                 nmx_diag *diag);
/* Same, over a caller buffer that must outlive the capture (not copied).
 * name (may be NULL: "<memory>") is used in messages. */
NMX_API nmx_err nmx_capture_open_memory(const void *buf, size_t len, const char *name,
                                        unsigned flags, nmx_capture **out, nmx_diag *diag);
/* NULL is accepted. */
NMX_API void nmx_capture_close(nmx_capture *cap);

/* The number of frames (with NMX_CAPTURE_INCREMENTAL: walks the rest of
 * the file first). */
NMX_API uint64_t nmx_capture_frame_count(const nmx_capture *cap);
/* Frames indexed so far, without walking: the count once *complete (may be
 * NULL) is true, which it always is without NMX_CAPTURE_INCREMENTAL. */
NMX_API uint64_t nmx_capture_frames_known(const nmx_capture *cap, bool *complete);
/* No capture has more frames than this: the count when it is known, else a
 * bound from the file's size (at most NMX_CAPTURE_MAX_FRAMES). */
NMX_API uint64_t nmx_capture_frame_limit(const nmx_capture *cap);
/* Fill *out with frame n. NMX_ERANGE when n >= frame count, NMX_EINVAL on NULL. */
NMX_API nmx_err nmx_capture_frame(const nmx_capture *cap, uint64_t n, nmx_frame *out);
/* Does frame n exist? (Walks as far as it, like nmx_capture_frame.) */
NMX_API bool nmx_capture_has_frame(const nmx_capture *cap, uint64_t n);
/* A hint for forward scans: the frames after fr will be read next. Asks
 * the memory for the 4 KiB of the file that follow fr, unless the
 * capture's own walk has just read them (an incremental open walks ahead
 * in batches and requests every byte it passes). *cursor is the scan's
 * state: NULL before its first frame, then left to this function. */
NMX_API void nmx_capture_prefetch_next(const nmx_capture *cap, const nmx_frame *fr,
                                       const uint8_t **cursor);
/* The same hint for a forward scan that reads the first bytes of most
 * frames only (one that filters them): asks the memory for the start of
 * a frame a few ahead of fr, and nothing between, where the capture knows
 * where that frame is without reading the records before it (a walk
 * shared with this process, NMX_CAPTURE_SHARE_WALK); otherwise does what
 * nmx_capture_prefetch_next() does. */
NMX_API void nmx_capture_prefetch_starts(const nmx_capture *cap, const nmx_frame *fr,
                                         const uint8_t **cursor);
/* Walks an NMX_CAPTURE_INCREMENTAL capture to its end, as
 * nmx_capture_frame_count() does, but gives up early once *stop (may be
 * NULL; read as a relaxed atomic, so another thread may set it with
 * __atomic_store_n or a signal handler with a plain store) is non-zero:
 * it is looked at between batches of records (every 256
 * KiB), and what was walked stays indexed. True when the whole file is
 * indexed (always, for a capture indexed at open). For a host that
 * finishes the walk in the background and must be able to stop it. */
NMX_API bool nmx_capture_walk(const nmx_capture *cap, const volatile int *stop);

NMX_API nmx_capture_format nmx_capture_get_format(const nmx_capture *cap);
/* e.g. "pcap (µs, little-endian)", "pcapng", "netmon 2.3". */
NMX_API const char *nmx_capture_format_name(const nmx_capture *cap);
/* The name given at open (path, or memory name). */
NMX_API const char *nmx_capture_name(const nmx_capture *cap);
/* Format version from the file header (pcap 2.4, pcapng 1.0 of the first
 * section, netmon 1.1 / 2.3 ...). */
NMX_API void nmx_capture_version(const nmx_capture *cap, unsigned *major, unsigned *minor);
/* Size in bytes of the input. */
NMX_API uint64_t nmx_capture_size(const nmx_capture *cap);

/* Distinct link types of the frames, in order of first appearance (pcap: the
 * header's; an NMX_CAPTURE_INCREMENTAL Network Monitor file: those of the
 * frames walked so far). Writes at most max entries to out (may be NULL when
 * max is 0) and returns how many there are. */
NMX_API size_t nmx_capture_linktypes(const nmx_capture *cap, uint32_t *out, size_t max);
/* MAC type of the capture as GetCaptureMacType reports it: netmon header
 * MacType (0-5, else 0), else from the first link type. Never an error (K2). */
NMX_API unsigned nmx_capture_mac_type(const nmx_capture *cap);

/* Capture comment (netmon 2.0/2.1 comment block; pcapng SHB opt_comment
 * values joined by '\n'). UTF-8 or the file's bytes, NUL-terminated; *len (may
 * be NULL) gets the length. NULL when there is none. A pcapng opened with
 * NMX_CAPTURE_INCREMENTAL: the comments of the sections walked at open
 * until the walk reaches the end of the file, then those of every section;
 * what an earlier call returned stays valid and unchanged until close. */
NMX_API const char *nmx_capture_comment(const nmx_capture *cap, size_t *len);
/* Start of capture, ns since the Unix epoch: netmon header SYSTEMTIME (stored
 * as local time without a zone; read as UTC), pcap/pcapng first frame.
 * NMX_ENOTFOUND when there is none (e.g. empty pcap). */
NMX_API nmx_err nmx_capture_start_time(const nmx_capture *cap, int64_t *ns);

NMX_API size_t nmx_capture_interface_count(const nmx_capture *cap);
NMX_API nmx_err nmx_capture_interface(const nmx_capture *cap, size_t i, nmx_interface *out);

/* Warnings of a capture that opened: damage after the header (with how many
 * frames were read), a recovered netmon frame table, unusual versions. The
 * count walks an NMX_CAPTURE_INCREMENTAL capture to its end first.
 * nmx_capture_warning() returns NULL when i >= count. The count includes
 * warnings past NMX_CAPTURE_MAX_WARNINGS, which are not stored. */
NMX_API size_t nmx_capture_warning_count(const nmx_capture *cap);
NMX_API const nmx_diag *nmx_capture_warning(const nmx_capture *cap, size_t i);

/* ---------------------------------------------------------------------------
 * Writers (streaming). Frames are appended in order; nothing is kept per
 * frame except 4 bytes for the netmon frame table (and comment offsets).
 * ------------------------------------------------------------------------- */

typedef enum nmx_write_format {
    NMX_WRITE_PCAP_US = 1,   /* pcap 2.4, microsecond, little-endian          */
    NMX_WRITE_PCAP_NS,       /* pcap 2.4, nanosecond, little-endian           */
    NMX_WRITE_PCAPNG,        /* pcapng 1.0, LE, one SHB, one IDB per link type
                                (if_tsresol 9), EPBs with opt_comment          */
    NMX_WRITE_NETMON         /* Network Monitor 2.3, 128-byte header, first
                                record at 128, frame table + comment table at
                                the end, per-frame UTC FILETIME               */
} nmx_write_format;

typedef struct nmx_writer nmx_writer;

/* linktype: pcap LINKTYPE_* of the file (pcap: fixed for every frame; pcapng
 * and netmon: only a default). snaplen: written in the header (0 = 262144). */
NMX_API nmx_err nmx_writer_open(const char *path, nmx_write_format format, uint32_t linktype,
                                uint32_t snaplen, nmx_writer **out, nmx_diag *diag);
/* Same, into a growing memory buffer; take it with nmx_writer_close_memory(). */
NMX_API nmx_err nmx_writer_open_memory(nmx_write_format format, uint32_t linktype,
                                       uint32_t snaplen, nmx_writer **out, nmx_diag *diag);
/* Append one frame. Uses ts_ns, caplen, wirelen, data, linktype (pcapng,
 * netmon, and a check for pcap), netmon_media (netmon, when non-zero),
 * comment (pcapng, netmon). NMX_EINVAL for a frame the format cannot hold,
 * NMX_ERANGE for a time or offset outside the format's range, NMX_EIO. */
NMX_API nmx_err nmx_writer_add(nmx_writer *w, const nmx_frame *f);
/* Finish and free the writer (also after an error). Returns the first error. */
NMX_API nmx_err nmx_writer_close(nmx_writer *w, nmx_diag *diag);
/* Finish a memory writer; *buf (free() it) and *len get the file. */
NMX_API nmx_err nmx_writer_close_memory(nmx_writer *w, uint8_t **buf, size_t *len,
                                        nmx_diag *diag);

NMX_END_DECLS

#endif /* NMEXPERT_CAPTURE_H */
