/*
 * base/cursor.h and base/rd.h: the readers of untrusted bytes. Every width
 * at the last offset that fits and the first that does not, offsets near
 * the top of the 64-bit range (no wrap-around), both byte orders, and
 * nmx_rd's sticky short-read flag.
 */
#include <string.h>

#include "base/cursor.h"
#include "base/rd.h"
#include "nmx_test.h"

static const uint8_t B[9] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

static void test_cursor_bounds(void **state)
{
    (void)state;
    nmx_cursor c = nmx_cursor_make(B, sizeof B, false);
    static const uint64_t widths[] = { 1, 2, 4, 8 };
    for (size_t i = 0; i < 4; i++) {
        uint64_t w = widths[i];
        assert_true(nmx_cur_has(&c, sizeof B - w, w));
        assert_false(nmx_cur_has(&c, sizeof B - w + 1, w));
        assert_non_null(nmx_cur_ptr(&c, sizeof B - w, w));
        assert_null(nmx_cur_ptr(&c, sizeof B - w + 1, w));
    }
    /* off + n would wrap: still out of range. */
    assert_false(nmx_cur_has(&c, UINT64_MAX, 2));
    assert_false(nmx_cur_has(&c, 2, UINT64_MAX));
    assert_false(nmx_cur_has(&c, UINT64_MAX - 1, UINT64_MAX));
    assert_true(nmx_cur_has(&c, sizeof B, 0));
    assert_false(nmx_cur_has(&c, sizeof B + 1, 0));
    assert_int_equal(nmx_cur_left(&c, 4), 5);
    assert_int_equal(nmx_cur_left(&c, 100), 0);

    uint8_t b = 0xAA;
    uint16_t w = 0xAAAA;
    uint32_t d = 0xAAAAAAAA;
    uint64_t q = 0xAAAAAAAAAAAAAAAA;
    assert_true(nmx_cur_u8(&c, 8, &b));
    assert_int_equal(b, 9);
    assert_false(nmx_cur_u8(&c, 9, &b));
    assert_int_equal(b, 9);   /* untouched on failure */
    assert_true(nmx_cur_u16le(&c, 7, &w));
    assert_int_equal(w, 0x0908);
    assert_true(nmx_cur_u16be(&c, 7, &w));
    assert_int_equal(w, 0x0809);
    assert_false(nmx_cur_u16le(&c, 8, &w));
    assert_int_equal(w, 0x0809);
    assert_true(nmx_cur_u32le(&c, 5, &d));
    assert_int_equal(d, 0x09080706);
    assert_true(nmx_cur_u32be(&c, 5, &d));
    assert_int_equal(d, 0x06070809);
    assert_false(nmx_cur_u32be(&c, 6, &d));
    assert_true(nmx_cur_u64le(&c, 1, &q));
    assert_int_equal(q, 0x0908070605040302ULL);
    assert_true(nmx_cur_u64be(&c, 1, &q));
    assert_int_equal(q, 0x0203040506070809ULL);
    assert_false(nmx_cur_u64le(&c, 2, &q));
    assert_int_equal(q, 0x0203040506070809ULL);
    assert_false(nmx_cur_u64le(&c, UINT64_MAX - 3, &q));

    /* The cursor's own byte order. */
    nmx_cursor be = nmx_cursor_make(B, sizeof B, true);
    assert_true(nmx_cur_u16(&be, 0, &w));
    assert_int_equal(w, 0x0102);
    assert_true(nmx_cur_u16(&c, 0, &w));
    assert_int_equal(w, 0x0201);
    assert_true(nmx_cur_u32(&be, 0, &d));
    assert_int_equal(d, 0x01020304);
    assert_true(nmx_cur_u64(&c, 0, &q));
    assert_int_equal(q, 0x0807060504030201ULL);
}

static void test_rd_sticky(void **state)
{
    (void)state;
    nmx_rd r = nmx_rd_make(B, sizeof B);
    assert_int_equal(nmx_rd_be16(&r, 0), 0x0102);
    assert_int_equal(nmx_rd_le16(&r, 0), 0x0201);
    assert_int_equal(nmx_rd_be24(&r, 6), 0x070809);
    assert_int_equal(nmx_rd_be32(&r, 5), 0x06070809);
    assert_int_equal(nmx_rd_le32(&r, 5), 0x09080706);
    assert_int_equal(nmx_rd_be64(&r, 1), 0x0203040506070809ULL);
    assert_int_equal(nmx_rd_le64(&r, 1), 0x0908070605040302ULL);
    assert_true(nmx_rd_ok(&r));
    /* One read past the end: 0, and the reader stays short. */
    assert_int_equal(nmx_rd_be24(&r, 7), 0);
    assert_false(nmx_rd_ok(&r));
    assert_int_equal(nmx_rd_u8(&r, 0), 1);
    assert_false(nmx_rd_ok(&r));
    nmx_rd s = nmx_rd_make(B, sizeof B);
    assert_int_equal(nmx_rd_be32(&s, UINT32_MAX - 1), 0);
    assert_false(nmx_rd_ok(&s));
    nmx_rd t = nmx_rd_make(B, sizeof B);
    assert_null(nmx_rd_ptr(&t, 8, 2));
    assert_false(nmx_rd_ok(&t));
    assert_int_equal(nmx_rd_left(&t, 3), 6);
    assert_int_equal(nmx_rd_left(&t, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_bounds),
        cmocka_unit_test(test_rd_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
