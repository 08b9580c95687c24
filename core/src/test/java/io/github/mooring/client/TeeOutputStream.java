package io.github.mooring.client;

import java.io.IOException;
import java.io.OutputStream;

/** Writes to two streams: what the test shows and what it checks (a test's own capture of the log output). */
public final class TeeOutputStream extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    public TeeOutputStream(OutputStream first, OutputStream second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
        first.write(b);
        synchronized (second) {
            second.write(b);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        first.write(bytes, offset, length);
        synchronized (second) {
            second.write(bytes, offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        first.flush();
    }
}
