package dev.flint.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of a server that cuts the connection it is forwarding once, when
 * the bytes sent one way pass a threshold (a dropped connection in the middle of an upload, or of a
 * download); everything before and after goes through untouched.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final long cutAfter;
    private final boolean cutTowardsServer;
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicBoolean cut = new AtomicBoolean();

    /** Cuts once {@code cutAfterBytes} went to the server ({@code towardsServer}) or to the client. */
    CuttingProxy(int targetPort, long cutAfterBytes, boolean towardsServer) throws IOException {
        this.target = targetPort;
        this.cutAfter = cutAfterBytes;
        this.cutTowardsServer = towardsServer;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "cutting-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Whether a connection was cut. */
    boolean cut() {
        return cut.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                pump(client, server, true);
                pump(server, client, false);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean towardsServer) {
        boolean cutting = towardsServer == cutTowardsServer;
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (cutting && !cut.get() && forwarded.addAndGet(n) > cutAfter && cut.compareAndSet(false, true)) {
                        out.write(buf, 0, n / 2); // part of it arrives, then the line goes dead
                        out.flush();
                        from.close();
                        to.close();
                        return;
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side closed: the other follows
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }, "cutting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
