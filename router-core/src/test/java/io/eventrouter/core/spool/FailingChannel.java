package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that behaves like a full disk while {@link #failing} is set: a write stores
 * half of its bytes, as a real short write would, and then fails.
 */
final class FailingChannel extends FileChannel {

    static volatile boolean failing;

    private final FileChannel delegate;

    FailingChannel(FileChannel delegate) {
        this.delegate = delegate;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        if (failing) {
            ByteBuffer half = source.duplicate();
            half.limit(half.position() + half.remaining() / 2);
            this.delegate.write(half);
            throw new IOException("No space left on device");
        }
        return this.delegate.write(source);
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
        return this.delegate.read(target);
    }

    @Override
    public long read(ByteBuffer[] targets, int offset, int length) throws IOException {
        return this.delegate.read(targets, offset, length);
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        throw new UnsupportedOperationException("The spool writes one buffer at a time");
    }

    @Override
    public long position() throws IOException {
        return this.delegate.position();
    }

    @Override
    public FileChannel position(long position) throws IOException {
        this.delegate.position(position);
        return this;
    }

    @Override
    public long size() throws IOException {
        return this.delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        this.delegate.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        this.delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return this.delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
        return this.delegate.transferFrom(source, position, count);
    }

    @Override
    public int read(ByteBuffer target, long position) throws IOException {
        return this.delegate.read(target, position);
    }

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
        throw new UnsupportedOperationException("The spool appends only");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return this.delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return this.delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return this.delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        this.delegate.close();
    }

}
