package io.mnemo.ingest.core;

/**
 * Incremental, allocation-free check that bytes are well-formed UTF-8 (RFC 3629: no overlong forms, surrogates
 * or code points above U+10FFFF) and contain no NUL, fed in chunks of any size: a sequence may span two chunks.
 */
final class Utf8Validator {
    /** Continuation bytes still expected for the current sequence. */
    private int pending;
    /** Allowed range of the next continuation byte (narrower than 80..BF right after some lead bytes). */
    private int low = 0x80;
    private int high = 0xBF;
    private boolean valid = true;

    /** Feeds bytes; false as soon as anything so far is not valid (and from then on). */
    boolean feed(byte[] bytes, int offset, int length) {
        for (int i = offset; valid && i < offset + length; i++) {
            accept(bytes[i] & 0xFF);
        }
        return valid;
    }

    /** True when everything fed is valid and no sequence was cut off at the end. */
    boolean isCompleteAndValid() {
        return valid && pending == 0;
    }

    private void accept(int b) {
        if (pending > 0) {
            if (b < low || b > high) {
                valid = false;
                return;
            }
            low = 0x80;
            high = 0xBF;
            pending--;
            return;
        }
        if (b == 0) {
            valid = false;
        } else if (b < 0x80) {
            return;
        } else if (b >= 0xC2 && b <= 0xDF) {
            pending = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            pending = 2;
            if (b == 0xE0) {
                low = 0xA0; // below: overlong
            } else if (b == 0xED) {
                high = 0x9F; // above: UTF-16 surrogates
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            pending = 3;
            if (b == 0xF0) {
                low = 0x90; // below: overlong
            } else if (b == 0xF4) {
                high = 0x8F; // above: beyond U+10FFFF
            }
        } else {
            valid = false; // stray continuation byte, C0/C1 overlong leads, F5..FF
        }
    }
}
