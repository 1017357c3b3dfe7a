package org.chspool.agent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Named daemon threads that log instead of dying silently. */
final class AgentThreads {
    private static final Logger log = LoggerFactory.getLogger(AgentThreads.class);

    private AgentThreads() {}

    static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> log.error("thread {} died", th.getName(), e));
            return t;
        };
    }
}
