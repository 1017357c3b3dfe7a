package org.chspool.util;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the agent makes its threads: named daemon threads that never die silently. An exception
 * that ends one is logged at ERROR with the thread's name and stack, and counted by the thread's role
 * (its name without a trailing {@code -N}), which {@code /metrics} exports as
 * {@code chspool_thread_deaths_total}: a dead writer, sender or I/O loop stops work, so it must be seen.
 *
 * <p>The counts are process-wide (threads are made in every package, far from the agent that reports
 * them): one agent per JVM, as {@code bin/spoold} runs it. Thread-safe.
 */
public final class Threads {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);
    private static final Map<String, LongAdder> DEATHS = new ConcurrentHashMap<>();
    private static final Thread.UncaughtExceptionHandler ON_DEATH = (t, e) -> {
        DEATHS.computeIfAbsent(role(t.getName()), k -> new LongAdder()).increment();
        log.error("thread {} died unexpectedly", t.getName(), e);
    };

    private Threads() {}

    /** A daemon thread called {@code name} that runs {@code body}; not started. */
    public static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.setUncaughtExceptionHandler(ON_DEATH);
        return t;
    }

    /** Threads for a single-thread executor, each called {@code name} (a replacement thread too). */
    public static ThreadFactory named(String name) {
        return body -> daemon(name, body);
    }

    /** Threads for a pool whose threads are all numbered: {@code name-1}, {@code name-2}... */
    public static ThreadFactory numbered(String name) {
        AtomicInteger made = new AtomicInteger();
        return body -> daemon(name + "-" + made.incrementAndGet(), body);
    }

    /** Threads that died of an exception since start, by role, sorted; a snapshot. */
    public static Map<String, Long> deaths() {
        Map<String, Long> out = new TreeMap<>();
        DEATHS.forEach((role, n) -> out.put(role, n.sum()));
        return out;
    }

    /** {@code replay-sender-3} → {@code replay-sender}; {@code spool-writer} stays. */
    static String role(String name) {
        return name.replaceFirst("-\\d+$", "");
    }
}
