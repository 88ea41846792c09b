/*
 * The init's event loop, PID 1 of the sandbox. One run at a time. The next run's process is
 * forked in advance and waits, privileges dropped, in its own mount namespace; init builds its
 * fresh root there (runroot.c) either ahead of the request (prepare-ahead) or on it. When that
 * process exits, every other process of the sandbox is killed and reaped, and the JVM gets one
 * DONE message; then the next run's process is forked. A process pre-started ahead of its request
 * is prestart.c's; attached code and a lend to a zygote's copy are attach.c's.
 */
#include "flint-init.h"
#include "init-state.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

const struct config *cfg;
static const struct sock_fprog *filter;
int ctl, own_mntns;
static int sigfd, timerfd;
struct run run = { .sock = -1, .mntns = -1, .watch = -1, .start_fd = -1, .status_fd = -1 };
struct msg *in, *out;

/* Every process in the pid namespace but this one: kill(-1) from a pid namespace's init reaches
 * exactly them, daemonised and orphaned ones included, and a fork racing it cannot escape. The
 * kernel finds them by walking every process on the host (~0.3 ms with a thousand sandboxes
 * about), so not when the cgroup says init is alone, as after most runs. */
void kill_all_and_reap(void)
{
    if (!usage_alone())
        kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
    }
    if (ending)
        reaped_early(); /* with the rest */
}

/* A child that failed before its request: its reason kept for the next request, and it is reaped
 * here, so the event loop never sees it. */
void discard_child(const char *why)
{
    snprintf(run.prep_error, sizeof run.prep_error, "%s", why);
    kill(run.child, SIGKILL);
    while (waitpid(run.child, NULL, 0) < 0 && errno == EINTR) {
    }
    forget_child();
}

/* The child says it is ready by handing over its mount namespace (or says why it failed). */
static void await_child_ready(void)
{
    struct pollfd p = { .fd = run.sock, .events = POLLIN };
    if (poll(&p, 1, 10000) != 1) {
        discard_child("run process did not get ready within 10 s");
        return;
    }
    ssize_t n = msg_recv(run.sock, out);
    if (n > 0 && out->buf[0] == OP_READY && out->nfds == 1) {
        run.mntns = out->fds[0];
        return;
    }
    const char *error = n > 0 && out->buf[0] == OP_ERROR ? msg_get(out, "error") : NULL;
    char why[ERR_MAX];
    snprintf(why, sizeof why, "%s", error ? error : "run process exited before it was ready");
    msg_close_fds(out);
    discard_child(why);
}

static void build_root(void)
{
    if (mount_run_root(cfg, run.mntns, own_mntns, attach_path[0] ? attach_path : NULL) < 0) {
        discard_child(g_err);
        return;
    }
    run.rooted = true;
}

void fork_child(void)
{
    int sp[2];
    run.prep_error[0] = '\0';
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        fail("socketpair for run");
        snprintf(run.prep_error, sizeof run.prep_error, "%s", g_err);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, "flint-run", 0, 0, 0);
        close(sp[0]);
        close(ctl);
        close(sigfd);
        close(timerfd);
        close(own_mntns);
        child_main(cfg, sp[1], filter);
    }
    close(sp[1]);
    if (pid < 0) {
        fail("fork run process");
        snprintf(run.prep_error, sizeof run.prep_error, "%s", g_err);
        close(sp[0]);
        return;
    }
    run.child = pid;
    run.sock = sp[0];
    await_child_ready();
    if (run.child && cfg->prepare_ahead)
        build_root();
}

void forget_child(void)
{
    if (run.sock >= 0)
        close(run.sock);
    if (run.mntns >= 0)
        close(run.mntns);
    if (run.watch >= 0)
        close(run.watch);
    if (run.start_fd >= 0)
        close(run.start_fd);
    if (run.status_fd >= 0)
        close(run.status_fd);
    run.mntns = run.watch = run.start_fd = run.status_fd = -1;
    run.rooted = run.lent = run.prestarted = run.status_done = false;
    run.killed = false; /* a kill of a lent run nobody took must not mark the next run */
    run.sock = -1;
    run.child = 0;
}

/* What the child said before it died: a set-up or exec failure. Empty when it exec'd. */
static void read_child_error(char *dst, size_t size)
{
    if (run.sock < 0)
        return;
    struct msg *m = out; /* reused as scratch: the reply is built afterwards */
    int flags = fcntl(run.sock, F_GETFL);
    fcntl(run.sock, F_SETFL, flags | O_NONBLOCK);
    ssize_t n = msg_recv(run.sock, m);
    if (n < 0 && errno == ECONNRESET) /* it died with our request unread: its report is still queued */
        n = msg_recv(run.sock, m);
    if (n > 0 && m->buf[0] == OP_ERROR) {
        const char *e = msg_get(m, "error");
        const char *stage = msg_get(m, "stage");
        snprintf(dst, size, "%s", e ? e : "run process failed");
        snprintf(run.stage, sizeof run.stage, "%s", stage ? stage : "prepare");
    }
    msg_close_fds(m);
}

static long long micros(struct timeval t)
{
    return (long long)t.tv_sec * 1000000 + t.tv_usec;
}

void stop_timer(void)
{
    struct itimerspec off = {0};
    timerfd_settime(timerfd, 0, &off, NULL);
}

static void finish_run(int status)
{
    kill_all_and_reap();
    stop_timer();
    char error[ERR_MAX] = "";
    read_child_error(error, sizeof error);
    if (run.lost && !error[0]) {
        snprintf(error, sizeof error, "run process died before it took the request");
        snprintf(run.stage, sizeof run.stage, "prepare");
    }
    struct rusage after;
    getrusage(RUSAGE_CHILDREN, &after);
    msg_start(out, OP_DONE);
    if (WIFEXITED(status))
        msg_put(out, "exit", "%d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        msg_put(out, "signal", "%d", WTERMSIG(status));
    msg_put(out, "timeout", "%d", run.timed_out);
    msg_put(out, "killed", "%d", run.killed);
    msg_put(out, "utime_us", "%lld", micros(after.ru_utime) - micros(run.before.ru_utime));
    msg_put(out, "stime_us", "%lld", micros(after.ru_stime) - micros(run.before.ru_stime));
    if (error[0]) {
        msg_put(out, "error", "%s", error);
        msg_put(out, "stage", "%s", run.stage);
    }
    usage_put(out);
    msg_send(ctl, out);
    run.active = run.timed_out = run.killed = run.lost = false;
    forget_child(); /* and with it the run's root: its scratch memory is freed */
    usage_reset();  /* after the answer, so the JVM does not wait for it */
    fork_child();
    prestart_queued();
}

void reply_failed_run(const char *error)
{
    msg_start(out, OP_DONE);
    msg_put(out, "error", "%s", error);
    msg_put(out, "stage", "prepare");
    msg_send(ctl, out);
}

/* The next run's process with its fresh root, made now when it was not made ahead; false when it
 * could not be (run.prep_error says why). */
bool prepare_run(void)
{
    if (!run.child)
        fork_child();
    if (run.child && !run.rooted)
        build_root();
    return run.child != 0;
}

void set_timer(const struct msg *req)
{
    const char *t = msg_get(req, "timeout_ms");
    long long ms = t ? atoll(t) : 0;
    if (ms > 0) {
        struct itimerspec when = { .it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 } };
        timerfd_settime(timerfd, 0, &when, NULL);
    }
}

/* The lent namespaces now hold a zygote's copy (fd: its pidfd): it is the run until it exits. */
static void start_watch(struct msg *req)
{
    if (!run.lent || req->nfds != 1) {
        msg_close_fds(req);
        reply_failed_run(run.lent ? "bad watch request" : "nothing was lent for a zygote's copy to take");
        return;
    }
    run.watch = req->fds[0];
    req->nfds = 0;
    await_early_end();
    getrusage(RUSAGE_CHILDREN, &run.before);
    run.active = true;
    set_timer(req);
}

static void start_run(struct msg *req)
{
    if (attach_error[0]) {
        /* a run sent right behind an attach that failed must not start without its code */
        msg_close_fds(req);
        reply_failed_run(attach_error);
        return;
    }
    if (run.active) {
        msg_close_fds(req);
        reply_failed_run("sandbox busy: one run at a time");
        return;
    }
    if (msg_get(req, "watch")) {
        start_watch(req);
        return;
    }
    if (run.lent)
        forget_child(); /* lent but never taken: this run gets a process of its own */
    drop_prestarted();
    if (!prepare_run()) {
        msg_close_fds(req);
        reply_failed_run(run.prep_error);
        return;
    }
    await_early_end();
    getrusage(RUSAGE_CHILDREN, &run.before);
    int sent = msg_send(run.sock, req);
    msg_close_fds(req); /* the child holds them now: their ends close when it does */
    run.active = true;
    if (sent < 0) {
        run.lost = true;
        kill(run.child, SIGKILL); /* the child died before it could take the request */
        return;
    }
    set_timer(req);
}

static void on_child_exit(pid_t pid, int status)
{
    if (pid == ending)
        reaped_early();
    if (pid != run.child)
        return; /* an orphan of the current run: reaped, nothing else to do */
    if (run.active) {
        finish_run(status);
        return;
    }
    /* A prepared child died before any request: keep its reason; the next request retries. */
    if (run.prestarted)
        kill_all_and_reap(); /* what a pre-started command started must not outlive it */
    run.prep_error[0] = '\0';
    read_child_error(run.prep_error, sizeof run.prep_error);
    if (!run.prep_error[0])
        snprintf(run.prep_error, sizeof run.prep_error, "prepared run process exited early");
    forget_child();
}

static void on_signal(void)
{
    struct signalfd_siginfo si;
    while (read(sigfd, &si, sizeof si) > 0) {
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        on_child_exit(pid, status);
}

static void on_timer(void)
{
    uint64_t ticks;
    if (read(timerfd, &ticks, sizeof ticks) > 0 && run.active) {
        run.timed_out = true;
        kill(-1, SIGKILL); /* the main process's exit then finishes the run */
    }
}

static void on_request(void)
{
    ssize_t n = msg_recv(ctl, in);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return; /* spurious wake-up */
    if (n == 0 || (n < 0 && errno != EMSGSIZE)) {
        kill_all_and_reap(); /* the JVM is gone: so is the sandbox */
        _exit(0);
    }
    if (n < 0) { /* too large: the buffer holds its beginning, so its op is known */
        if (in->buf[0] == OP_PRESTART)
            snprintf(run.prep_error, sizeof run.prep_error, "prestart request too large"); /* never answered */
        else if (in->buf[0] == OP_EXEC || in->buf[0] == OP_START)
            reply_failed_run("request too large");
        else
            send_error(ctl, "request too large");
        return;
    }
    switch (in->buf[0]) {
    case OP_EXEC:
        start_run(in);
        break;
    case OP_PRESTART:
        if (run.active)
            queue_prestart();
        else
            prestart(in);
        break;
    case OP_START:
        start_prestarted(in);
        break;
    case OP_ATTACH:
        on_attach(in);
        break;
    case OP_LEND:
        msg_close_fds(in);
        lend();
        break;
    case OP_KILL:
        if (run.active || run.lent) {
            run.killed = true;
            kill(-1, SIGKILL);
        }
        break;
    default:
        msg_close_fds(in);
        send_error(ctl, "init: unknown request");
    }
}

void init_loop(const struct config *config, int control, const struct sock_fprog *seccomp)
{
    cfg = config;
    ctl = control;
    filter = seccomp;
    in = malloc(sizeof *in);
    out = malloc(sizeof *out);
    spare = malloc(sizeof *spare);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    sigset_t pipe_signal; /* a write to a pre-started process that died is EPIPE, not init's end */
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_signal, NULL); /* a run's process starts with an empty mask */
    sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (!in || !out || !spare || sigfd < 0 || timerfd < 0) {
        send_error(ctl, "init: out of resources for the event loop");
        _exit(1);
    }
    own_mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (own_mntns < 0) {
        send_error(ctl, "init: cannot open its own mount namespace");
        _exit(1);
    }
    /* Ready first: the first run's process is made while the JVM goes on with other work, and
     * only when its root is to be built ahead; otherwise the first request forks it, so that a
     * sandbox waiting for its first run (a pool's stem cell) is one process and costs less to
     * make. After every run the next run's process is forked at once. */
    msg_start(out, OP_READY);
    msg_send(ctl, out);
    if (cfg->prepare_ahead)
        fork_child();
    for (;;) {
        struct pollfd p[5] = {
            { .fd = ctl, .events = POLLIN }, { .fd = sigfd, .events = POLLIN }, { .fd = timerfd, .events = POLLIN },
            { .fd = run.watch, .events = POLLIN }, /* a negative fd is skipped */
            { .fd = run.active && !run.status_done ? run.status_fd : -1, .events = POLLIN },
        };
        if (poll(p, 5, -1) < 0) {
            if (errno == EINTR)
                continue;
            kill_all_and_reap(); /* cannot wait any more: end the sandbox rather than spin */
            _exit(1);
        }
        if (p[1].revents)
            on_signal();
        if (p[4].revents && run.active && !run.status_done && run.status_fd >= 0)
            on_status();
        if (p[2].revents)
            on_timer();
        if (p[3].revents && run.watch >= 0 && run.active)
            finish_run(0); /* the copy exited; how, only its parent knows: reported as exit 0 */
        if (p[0].revents)
            on_request();
    }
}
