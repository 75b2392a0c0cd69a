package io.tuneforge.trainer.data.encoding;

/**
 * One bar of a token-length histogram.
 *
 * @param low   shortest length counted (inclusive)
 * @param high  longest length counted (inclusive)
 * @param count examples whose length lies in {@code [low, high]}
 */
public record LengthBucket(long low, long high, long count) {
}
