package io.eventrouter.core.event;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import tools.jackson.core.SerializableString;

/**
 * A JSON value already encoded in UTF-8, for {@code JsonGenerator.writeRawValue}: the generator
 * copies the bytes into its buffer and still writes the commas between array elements. Only the
 * unquoted forms make sense for a raw value; the quoted ones are refused.
 */
final class EncodedJson implements SerializableString {

    private final byte[] utf8;

    EncodedJson(byte[] utf8) {
        this.utf8 = utf8;
    }

    @Override
    public String getValue() {
        return new String(this.utf8, StandardCharsets.UTF_8);
    }

    @Override
    public int charLength() {
        return getValue().length();
    }

    @Override
    public byte[] asUnquotedUTF8() {
        return this.utf8;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
        if (offset + this.utf8.length > buffer.length) {
            return -1;
        }
        System.arraycopy(this.utf8, 0, buffer, offset, this.utf8.length);
        return this.utf8.length;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
        String value = getValue();
        if (offset + value.length() > buffer.length) {
            return -1;
        }
        value.getChars(0, value.length(), buffer, offset);
        return value.length();
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
        out.write(this.utf8);
        return this.utf8.length;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
        if (this.utf8.length > buffer.remaining()) {
            return -1;
        }
        buffer.put(this.utf8);
        return this.utf8.length;
    }

    @Override
    public char[] asQuotedChars() {
        throw quoted();
    }

    @Override
    public byte[] asQuotedUTF8() {
        throw quoted();
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
        throw quoted();
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
        throw quoted();
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw quoted();
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
        throw quoted();
    }

    private static UnsupportedOperationException quoted() {
        return new UnsupportedOperationException("An encoded JSON value is written raw, never as a quoted string");
    }

}
