package org.chspool.ingest;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.chspool.util.Threads;

/**
 * One I/O thread ({@code ingest-io-N}) and its selector. It runs the handlers of the channels registered
 * with it, tasks handed to it by other threads ({@link #execute}) and connections signalled by the spool
 * writer when a response is ready ({@link #signal}).
 *
 * <p>Threading: {@link #execute}, {@link #signal} and {@link #shutdown} may be called from any thread and
 * never block on I/O; everything else happens on the loop's own thread. A failing handler is logged and
 * closed; the loop itself never dies of it.
 */
final class IoLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(IoLoop.class);

    /** Something registered with the selector: a listener or a connection. Loop thread only. */
    interface Handler {
        void onSelected(SelectionKey key);

        void close();
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<IngestConnection> ready = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    IoLoop(String name) throws IOException {
        this.selector = Selector.open();
        this.thread = Threads.daemon(name, this);
    }

    void start() {
        thread.start();
    }

    Selector selector() {
        return selector;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Tells the loop that {@code c} has a completed response to send. Cheap; called by the spool writer. */
    void signal(IngestConnection c) {
        ready.add(c);
        if (!inLoop()) {
            selector.wakeup();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                selector.select();
                runTasks();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isValid()) {
                        ((Handler) key.attachment()).onSelected(key);
                    }
                }
                runTasks();
            } catch (ClosedSelectorException e) {
                break;
            } catch (IOException | RuntimeException e) {
                log.error("{}: unexpected failure; continuing", thread.getName(), e);
            }
        }
        for (SelectionKey key : selector.keys()) {
            ((Handler) key.attachment()).close();
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.warn("{}: closing selector: {}", thread.getName(), e.toString());
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
        IngestConnection c;
        while ((c = ready.poll()) != null) {
            c.onSignal();
        }
    }

    /** Stops the loop, closes every channel registered with it and waits up to {@code timeoutMs} for it. */
    void shutdown(long timeoutMs) throws InterruptedException {
        running = false;
        selector.wakeup();
        if (!inLoop()) {
            thread.join(timeoutMs);
        }
    }
}
