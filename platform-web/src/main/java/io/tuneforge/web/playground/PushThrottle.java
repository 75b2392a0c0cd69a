package io.tuneforge.web.playground;

/** Lets a view push at most a few updates per second, whichever of its streams asks. Thread-safe. */
final class PushThrottle {

    private final long intervalNanos;
    private long last = Long.MIN_VALUE / 2;

    /** At most {@code perSecond} pushes each second. */
    PushThrottle(int perSecond) {
        this.intervalNanos = 1_000_000_000L / perSecond;
    }

    /** True (and the clock restarts) when the interval since the last push has passed. */
    synchronized boolean due() {
        long now = System.nanoTime();
        if (now - last < intervalNanos) {
            return false;
        }
        last = now;
        return true;
    }
}
