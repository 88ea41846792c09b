package dev.flint.loadtests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The least a client can do for one HTTP/1.1 request on a kept-alive connection: write a prepared
 * request, read the status line, the headers and a {@code Content-Length} body. For measuring a
 * server's own overhead without a client library's (the JDK client hands each request between
 * its threads). Not thread-safe; one connection.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RawHttp(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** A POST with a JSON body, as bytes to send again and again. */
    static byte[] post(String host, int port, String pathAndQuery, String authorization, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: " + authorization
                + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    /** Sends the request and reads the whole answer; returns its status code. */
    int exchange(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String status = line();
        int code = Integer.parseInt(status.split(" ", 3)[1]);
        long length = 0;
        for (String header = line(); !header.isEmpty(); header = line()) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(header.substring(15).trim());
            }
        }
        for (long left = length; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("the connection closed inside a body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
        return code;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("the connection closed inside an answer");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
