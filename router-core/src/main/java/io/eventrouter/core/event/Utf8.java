package io.eventrouter.core.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** A check of UTF-8 bytes, for readers that must not pass invalid text on. */
public final class Utf8 {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long HIGH_BIT_IN_EVERY_BYTE = 0x8080808080808080L;

    private Utf8() {
    }

    /**
     * Tells whether {@code bytes} are valid UTF-8 as RFC 3629 defines it: no overlong forms, no
     * surrogates, nothing above U+10FFFF. Runs of eight ASCII bytes are checked as one word.
     */
    public static boolean isValid(byte[] bytes) {
        int index = 0;
        int length = bytes.length;
        while (index < length) {
            if (index + Long.BYTES <= length && ((long) LONGS.get(bytes, index) & HIGH_BIT_IN_EVERY_BYTE) == 0) {
                index += Long.BYTES;
                continue;
            }
            int lead = bytes[index] & 0xFF;
            if (lead < 0x80) {
                index++;
                continue;
            }
            int continuations;
            int min;
            if (lead >= 0xC2 && lead <= 0xDF) {
                continuations = 1;
                min = 0x80;
            }
            else if (lead >= 0xE0 && lead <= 0xEF) {
                continuations = 2;
                min = 0x800;
            }
            else if (lead >= 0xF0 && lead <= 0xF4) {
                continuations = 3;
                min = 0x10000;
            }
            else {
                return false;
            }
            if (index + continuations >= length) {
                return false;
            }
            int codePoint = lead & (0x3F >> continuations);
            for (int next = 1; next <= continuations; next++) {
                int continuation = bytes[index + next] & 0xFF;
                if ((continuation & 0xC0) != 0x80) {
                    return false;
                }
                codePoint = (codePoint << 6) | (continuation & 0x3F);
            }
            if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
                return false;
            }
            index += 1 + continuations;
        }
        return true;
    }

}
