package io.eventrouter.core.event;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import tools.jackson.core.SerializableString;

/**
 * A JSON value already encoded in UTF-8, for {@code JsonGenerator.writeRawValue}: the generator
 * copies the bytes into its buffer and still writes the commas between array elements. Only the
 * unquoted forms make sense for a raw value; the quoted ones are refused.
 */
final class EncodedJson implements SerializableString {

    private final byte[] utf8;

    private final int offset;

    private final int length;

    /** The value is {@code length} bytes of {@code utf8} from {@code offset}, never mutated. */
    EncodedJson(byte[] utf8, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, utf8.length);
        this.utf8 = utf8;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public String getValue() {
        return new String(this.utf8, this.offset, this.length, StandardCharsets.UTF_8);
    }

    @Override
    public int charLength() {
        return getValue().length();
    }

    @Override
    public byte[] asUnquotedUTF8() {
        return (this.offset == 0 && this.length == this.utf8.length) ? this.utf8
                : Arrays.copyOfRange(this.utf8, this.offset, this.offset + this.length);
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
        if (offset + this.length > buffer.length) {
            return -1;
        }
        System.arraycopy(this.utf8, this.offset, buffer, offset, this.length);
        return this.length;
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
        out.write(this.utf8, this.offset, this.length);
        return this.length;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
        if (this.length > buffer.remaining()) {
            return -1;
        }
        buffer.put(this.utf8, this.offset, this.length);
        return this.length;
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
