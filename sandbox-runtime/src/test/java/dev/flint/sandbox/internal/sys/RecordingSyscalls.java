package dev.flint.sandbox.internal.sys;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The official fake of {@link Syscalls}: records every call as a line of text, hands out
 * descriptor numbers, and answers reads and receives from scripts set up by the test. Every
 * descriptor is ready for poll once it has scripted input or was scripted to reach end of file.
 * Not thread-safe.
 */
public final class RecordingSyscalls implements Syscalls {
    private final List<String> calls = new ArrayList<>();
    private final Map<Integer, Deque<Received>> messages = new HashMap<>();
    private final Map<Integer, Deque<byte[]>> reads = new HashMap<>();
    private final Map<Integer, byte[]> sent = new HashMap<>();
    private int nextFd = 100;
    private int nextPid = 5000;

    /** Every call so far, e.g. {@code "send 100 X fds=[101, 103, 105]"}. */
    public List<String> calls() {
        return calls;
    }

    /** The last datagram sent on a socket. */
    public byte[] lastSent(int socket) {
        return sent.get(socket);
    }

    /** The next descriptor number this fake will hand out. */
    public int peekFd() {
        return nextFd;
    }

    /** Scripts a datagram for {@link #receive}; an empty one means the peer closed. */
    public void queueMessage(int socket, byte[] data, int... fds) {
        byte[] copy = data.clone();
        messages.computeIfAbsent(socket, k -> new ArrayDeque<>()).add(new Received(copy.length, fds));
        reads.computeIfAbsent(-socket - 1, k -> new ArrayDeque<>()).add(copy);
    }

    /** Scripts bytes for {@link #read}; after them the descriptor reads end of file. */
    public void queueRead(int fd, byte[] data) {
        reads.computeIfAbsent(fd, k -> new ArrayDeque<>()).add(data.clone());
    }

    @Override
    public int[] seqpacketPair() {
        int[] p = {nextFd++, nextFd++};
        calls.add("socketpair " + p[0] + " " + p[1]);
        return p;
    }

    @Override
    public int[] streamPair() {
        int[] p = {nextFd++, nextFd++};
        calls.add("streampair " + p[0] + " " + p[1]);
        return p;
    }

    @Override
    public int detachedReadOnlyTree(String path) {
        int fd = nextFd++;
        calls.add("open_tree " + path + " " + fd);
        return fd;
    }

    @Override
    public int[] pipe() {
        int[] p = {nextFd++, nextFd++};
        calls.add("pipe " + p[0] + " " + p[1]);
        return p;
    }

    @Override
    public void close(int fd) {
        calls.add("close " + fd);
    }

    @Override
    public void send(int socket, byte[] data, int length, int... fds) {
        sent.put(socket, java.util.Arrays.copyOf(data, length));
        calls.add("send " + socket + " " + (char) data[0] + " fds=" + java.util.Arrays.toString(fds));
    }

    @Override
    public Received receive(int socket, byte[] buffer) {
        calls.add("receive " + socket);
        Deque<Received> q = messages.get(socket);
        if (q == null || q.isEmpty()) {
            return new Received(0, new int[0]);
        }
        Received r = q.poll();
        byte[] data = reads.get(-socket - 1).poll();
        System.arraycopy(data, 0, buffer, 0, data.length);
        return r;
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        Deque<byte[]> q = reads.get(fd);
        if (q == null || q.isEmpty()) {
            calls.add("read " + fd + " eof");
            return 0;
        }
        byte[] data = q.poll();
        System.arraycopy(data, 0, buffer, 0, data.length);
        calls.add("read " + fd + " " + data.length);
        return data.length;
    }

    @Override
    public int write(int fd, byte[] buffer, int offset, int length) {
        calls.add("write " + fd + " " + length);
        return length;
    }

    @Override
    public void setNonBlocking(int fd) {
        calls.add("nonblock " + fd);
    }

    @Override
    public int poll(int[] fds, short[] events, short[] revents, int timeoutMillis) {
        int ready = 0;
        for (int i = 0; i < fds.length; i++) {
            revents[i] = events[i];
            ready++;
        }
        return ready;
    }

    @Override
    public int spawn(String path, String[] argv, int fd) {
        int pid = nextPid++;
        calls.add("spawn " + path + " " + String.join(" ", argv) + " fd3=" + fd + " pid=" + pid);
        return pid;
    }

    @Override
    public int spawnWithStdio(String path, String[] argv, String[] env, int stdin, int stdout, int stderr) {
        int pid = nextPid++;
        calls.add("spawn " + path + " stdio=" + stdin + "," + stdout + "," + stderr + " pid=" + pid);
        return pid;
    }

    @Override
    public int waitpid(int pid) {
        calls.add("waitpid " + pid);
        return 0;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        calls.add("pidfd_send_signal " + pidfd + " " + signal);
    }

    @Override
    public void kill(int pid, int signal) {
        calls.add("kill " + pid + " " + signal);
    }

    @Override
    public int sealedMemfd(String name, byte[] content) {
        int fd = nextFd++;
        calls.add("memfd " + name + " " + content.length + " -> " + fd);
        return fd;
    }

    @Override
    public int geteuid() {
        return 0;
    }

    @Override
    public int openForWriting(String path) {
        int fd = nextFd++;
        calls.add("open " + path + " -> " + fd);
        return fd;
    }
}
