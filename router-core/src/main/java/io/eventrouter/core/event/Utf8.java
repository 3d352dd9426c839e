package io.eventrouter.core.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** A check of UTF-8 bytes, and a strict transcoder to them, for readers that must not pass invalid text on. */
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

    /**
     * Transcodes {@code length} bytes from {@code offset} in {@code charset} to UTF-8, reporting
     * what either side cannot read instead of replacing it.
     *
     * @throws CharacterCodingException when the bytes are not valid in the charset, or decode to
     *         a surrogate code point, which Java's UTF-32 decoder passes through and UTF-8 cannot
     *         encode
     */
    public static byte[] transcode(byte[] bytes, int offset, int length, Charset charset)
            throws CharacterCodingException {
        CharBuffer text = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, offset, length));
        ByteBuffer utf8 = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .encode(text);
        byte[] transcoded = new byte[utf8.remaining()];
        utf8.get(transcoded);
        return transcoded;
    }

}
