package org.esm2j.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps two processes (or two threads) from filling the same cache file at once. The lock file stays in the cache:
 * deleting it on release would let a waiter lock the old, unlinked file while a newcomer locks a new one.
 */
final class CacheLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CacheLock.class);
    private static final long POLL_MILLIS = 100;

    private final FileChannel channel;
    private final FileLock lock;

    private CacheLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits until the lock is free; the holder is another download that ends or fails by its own timeouts. */
    static CacheLock acquire(Path lockFile) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        boolean announced = false;
        try {
            while (true) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException heldInThisJvm) {
                    lock = null;
                }
                if (lock != null) {
                    return new CacheLock(channel, lock);
                }
                if (!announced) {
                    LOG.info("Waiting for another download into the cache to finish (lock {})", lockFile);
                    announced = true;
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new HubException("interrupted while waiting for the cache lock " + lockFile, e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
