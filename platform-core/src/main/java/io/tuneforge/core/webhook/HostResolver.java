package io.tuneforge.core.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Name resolution for webhook hosts; a bean so that tests can make a name resolve elsewhere (DNS rebinding). */
@FunctionalInterface
public interface HostResolver {

    /** Every address the host name resolves to now. */
    InetAddress[] resolve(String host) throws UnknownHostException;
}
