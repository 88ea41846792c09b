package dev.flint.loadtests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The floor of a warm Python invocation: one host {@code python3} process (no sandbox) that reads a
 * JSON request line on a pipe, calls a no-op {@code main}, and answers one JSON line. One round
 * trip is what instance mode does per invocation with the sandbox, the logs and the protocol's
 * checks taken away. Not thread-safe: one caller at a time.
 */
final class RawPythonLoop implements AutoCloseable {
    /** The host's Debian interpreter (a pyenv shim on PATH would add a shell to every start). */
    static final String PYTHON = "/usr/bin/python3";
    private static final String LOOP = """
            import json, sys
            def main(args):
                return {}
            r, w = sys.stdin.buffer, sys.stdout.buffer
            while True:
                line = r.readline()
                if not line:
                    break
                req = json.loads(line)
                w.write((json.dumps({"status": "success", "result": main(req["value"])}) + "\\n").encode())
                w.flush()
            """;
    private static final byte[] REQUEST = ("{\"value\":{},\"code\":\"/function/main.py\",\"main\":\"main\","
            + "\"activation_id\":\"00000000000000000000000000000001\",\"action_name\":\"/guest/noop\","
            + "\"namespace\":\"guest\",\"deadline\":1}\n").getBytes(StandardCharsets.UTF_8);

    private final Process process;
    private final OutputStream in;
    private final BufferedReader out;

    RawPythonLoop() throws IOException {
        process = new ProcessBuilder(PYTHON, "-u", "-c", LOOP).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        in = process.getOutputStream();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** One request and its answer; returns the round trip's wall time in ns. */
    long roundTrip() throws IOException {
        long start = System.nanoTime();
        in.write(REQUEST);
        in.flush();
        String answer = out.readLine();
        long took = System.nanoTime() - start;
        if (answer == null || !answer.contains("success")) {
            throw new IOException("the host python loop answered " + answer);
        }
        return took;
    }

    /** Round trips per second from this one thread, over {@code nanos}. */
    double rate(long nanos) throws IOException {
        long end = System.nanoTime() + nanos;
        long start = System.nanoTime();
        long n = 0;
        while (System.nanoTime() < end) {
            roundTrip();
            n++;
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
