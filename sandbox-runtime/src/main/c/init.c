/*
 * The init's event loop, PID 1 of the sandbox. One run at a time. The next run's process is
 * forked in advance and waits, privileges dropped, in its own mount namespace; init builds its
 * fresh root there (runroot.c) either ahead of the request (prepare-ahead) or on it. When that
 * process exits, every other process of the sandbox is killed and reaped, and the JVM gets one
 * DONE message; then the next run's process is forked.
 */
#include "flint-init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
    pid_t child;        /* the prepared or running child, 0 when none */
    int sock;           /* init's end of the socketpair to that child */
    int mntns;          /* the child's mount namespace: its root is built there, code attached */
    bool rooted;        /* its fresh root is mounted */
    bool active;        /* an exec request was handed to the child */
    bool timed_out;
    bool killed;        /* the JVM asked for it */
    bool lost;          /* the request never reached the run process: it had died */
    bool lent;          /* the run process was let go: a zygote's copy takes its namespaces (ADR 0015) */
    int watch;          /* the pidfd of that copy once it runs, else -1; init ends the run when it exits */
    bool prestarted;    /* the child exec'd a PRESTART request and waits for its start text */
    int start_fd;       /* the write end of the pipe on that process's fd 3, else -1 */
    int status_fd;      /* the read end of the pipe on its fd 4, where a pre-started shell reports
                           its exit status before it exits (finish_early), else -1 */
    bool status_done;   /* that pipe gave what it will give (a report, or something else): not
                           polled any more, but kept open, so that a later write is no SIGPIPE */
    char prep_error[ERR_MAX];
    char stage[16];     /* of the last child error: "prepare" or "exec" */
    struct rusage before;
};

static const struct config *cfg;
static const struct sock_fprog *filter;
static int ctl, sigfd, timerfd, own_mntns;
static struct run run = { .sock = -1, .mntns = -1, .watch = -1, .start_fd = -1, .status_fd = -1 };
static struct msg *in, *out;
static struct msg *queued; /* a PRESTART that came during a run, done when the run ends, or NULL */
static struct msg *spare;  /* the buffer that takes in's place while queued holds one */
static char attach_path[64]; /* where attached code shows in each run's root; empty: none */
static char attach_error[ERR_MAX + 16]; /* why an attach failed: the JVM may have sent runs after it */
static pid_t ending; /* the process of a run that ended early (finish_early), until it is reaped, else 0 */

/* Every process in the pid namespace but this one: kill(-1) from a pid namespace's init reaches
 * exactly them, daemonised and orphaned ones included, and a fork racing it cannot escape. The
 * kernel finds them by walking every process on the host (~0.3 ms with a thousand sandboxes
 * about), so not when the cgroup says init is alone, as after most runs. */
static void reaped_early(void);

static void kill_all_and_reap(void)
{
    if (!usage_alone())
        kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
    }
    if (ending)
        reaped_early(); /* with the rest */
}

static void forget_child(void);
static void prestart_queued(void);

/* A child that failed before its request: its reason kept for the next request, and it is reaped
 * here, so the event loop never sees it. */
static void discard_child(const char *why)
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

static void fork_child(void)
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

static void forget_child(void)
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

static void stop_timer(void)
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

/* utime_us and stime_us of a run process that is not reaped yet, with those of the children it
 * waited for, from its /proc stat: clock ticks (10 ms), coarser than a reaped run's rusage. */
static void put_cpu_of(struct msg *m, pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    char *p = n > 0 ? (buf[n] = '\0', strrchr(buf, ')')) : NULL;
    unsigned long long t[4] = {0};
    /* after "comm)": state and 10 more fields, then utime stime cutime cstime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3]) != 4)
        return;
    long hz = sysconf(_SC_CLK_TCK);
    msg_put(m, "utime_us", "%llu", (t[0] + t[2]) * 1000000ULL / (unsigned long long)hz);
    msg_put(m, "stime_us", "%llu", (t[1] + t[3]) * 1000000ULL / (unsigned long long)hz);
}

/* A pre-started shell reported its exit status from its EXIT trap (ADR 0017's addendum): the run
 * is over before the shell's own exit, which costs ~0.2 ms here. Everything else of the run is
 * killed now; with only the shell left (the cgroup counts init and it), a kill of that one
 * process instead of kill(-1)'s walk of the host. Nothing is waited for: the reaping comes with
 * SIGCHLD like an orphan's, and no process of the run can write again, so the JVM takes what the
 * pipes hold without waiting for their end of file ("early"). */
static void finish_early(int status)
{
    stop_timer();
    /* The shell first: once its SIGKILL is pending it forks no more, so a count of two (init and
     * it) then means no other process is left or being made. */
    kill(run.child, SIGKILL);
    if (usage_tasks() != 2)
        kill(-1, SIGKILL);
    msg_start(out, OP_DONE);
    msg_put(out, "exit", "%d", status);
    msg_put(out, "timeout", "%d", 0);
    msg_put(out, "killed", "%d", run.killed);
    msg_put(out, "early", "%d", 1);
    put_cpu_of(out, run.child);
    usage_put(out);
    msg_send(ctl, out);
    run.active = run.timed_out = run.killed = run.lost = false;
    ending = run.child;
    forget_child(); /* the shell is reaped when its SIGCHLD comes (reaped_early), or before the next run */
    fork_child();
    prestart_queued();
}

/* The early-ended run's process is gone: only now does its memory (and its root's scratch) leave
 * the cgroup, so only now does the next run's peak start. */
static void reaped_early(void)
{
    ending = 0;
    usage_reset();
}

/* Before a run starts: the one that ended early is reaped first (a moment of its exit at most), so
 * that its memory, CPU time and pid are not the next run's. */
static void await_early_end(void)
{
    if (!ending)
        return;
    while (waitpid(ending, NULL, 0) < 0 && errno == EINTR) {
    }
    reaped_early();
}

/* The pre-started shell's status line: "N\n", 0-255; anything else (its own EXIT trap replaced
 * ours, it exec'd, a function wrote there) is ignored, and the run ends at the shell's exit. */
static void on_status(void)
{
    char buf[8];
    ssize_t n = read(run.status_fd, buf, sizeof buf - 1);
    if (n < 0 && errno == EAGAIN)
        return;
    run.status_done = true; /* one report at most */
    if (n < 2 || buf[n - 1] != '\n' || !run.active || run.timed_out || run.killed)
        return;
    int status = 0;
    for (ssize_t i = 0; i < n - 1; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return;
        status = status * 10 + (buf[i] - '0');
    }
    if (n - 1 <= 3 && status <= 255)
        finish_early(status);
}

static void reply_failed_run(const char *error)
{
    msg_start(out, OP_DONE);
    msg_put(out, "error", "%s", error);
    msg_put(out, "stage", "prepare");
    msg_send(ctl, out);
}

/* The next run's process with its fresh root, made now when it was not made ahead; false when it
 * could not be (run.prep_error says why). */
static bool prepare_run(void)
{
    if (!run.child)
        fork_child();
    if (run.child && !run.rooted)
        build_root();
    return run.child != 0;
}

static void set_timer(const struct msg *req)
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

/* A pre-started process that a plain run or a lend replaces: it has run nothing of a request
 * yet, but its root is not fresh for someone else's process, so the next run gets a new one. */
static void drop_prestarted(void)
{
    if (!run.prestarted)
        return;
    kill_all_and_reap(); /* it and whatever it started: no run is active while one is pre-started */
    forget_child();
}

/* The next run's process execs now, ahead of its request (an interpreter that then waits for its
 * code): the request's command, environment, cwd and stdio, plus fd 3, the read end of a pipe
 * that stays empty until START writes the request's text to it and closes it. Nothing is
 * answered: a failure is kept and reported by the START. */
static void prestart(struct msg *req)
{
    int go[2] = { -1, -1 }, status[2] = { -1, -1 };
    if (attach_error[0] || run.active || run.lent || req->nfds != 3) {
        /* START reports a failed attach itself */
        snprintf(run.prep_error, sizeof run.prep_error, "bad prestart request");
        msg_close_fds(req);
        return;
    }
    /* One the JVM no longer holds (it found nothing to start and forgot the one it asked for
     * meanwhile): the new request replaces it, as a plain run would. */
    drop_prestarted();
    if (!prepare_run()) {
        msg_close_fds(req);
        return;
    }
    if (pipe2(go, O_CLOEXEC) < 0) {
        fail("pipe for the start text");
        goto refused;
    }
    /* init's end never blocks: the run's user may reopen the pipe and fill it, init must not hang.
     * A pipe's inode is its maker's, 0600: the process may reopen its fd 3 (/proc/self/fd/3, as
     * a shell's ". FILE" does) only once the pipe is its user's. */
    if (fcntl(go[1], F_SETFL, O_NONBLOCK) < 0 || fchown(go[0], cfg->uid, cfg->gid) < 0 ||
        pipe2(status, O_CLOEXEC | O_NONBLOCK) < 0) {
        fail("set up the start pipe");
        close(go[0]);
        close(go[1]);
        goto refused;
    }
    req->buf[0] = OP_EXEC; /* to the child it is an exec request with a channel on fd 3 */
    req->fds[req->nfds++] = go[0];
    req->fds[req->nfds++] = status[1];
    int sent = msg_send(run.sock, req);
    msg_close_fds(req);
    if (sent < 0) {
        close(go[1]);
        close(status[0]);
        discard_child("pre-started process died before it took its command");
        return;
    }
    run.start_fd = go[1];
    run.status_fd = status[0];
    run.prestarted = true;
    return;
refused:
    snprintf(run.prep_error, sizeof run.prep_error, "%s", g_err);
    msg_close_fds(req);
}

/* A PRESTART sent during a run (the JVM sends it right behind the START, ADR 0017): kept, and
 * done as soon as that run has ended, so that the next process is not a round trip away from the
 * DONE. One at most; any other is refused, and the next START then finds nothing pre-started. */
static void queue_prestart(void)
{
    if (queued || in->nfds != 3) {
        msg_close_fds(in);
        return;
    }
    queued = in; /* no copy: the spare buffer takes the requests meanwhile */
    in = spare;
    spare = NULL;
}

static void prestart_queued(void)
{
    if (!queued)
        return;
    struct msg *q = queued;
    queued = NULL;
    prestart(q);
    spare = q;
}

/* Starts the pre-started process: the text (at most PIPE_BUF bytes, so one write takes it whole)
 * goes to its fd 3, then end of file; from here on it is the run, with its timeout. */
static void start_prestarted(struct msg *req)
{
    const char *text = msg_get(req, "text");
    size_t len = text ? strlen(text) : 0;
    msg_close_fds(req);
    if (attach_error[0] || run.active) {
        drop_prestarted(); /* it holds the run's stdout: the JVM would wait for its end */
        reply_failed_run(attach_error[0] ? attach_error : "sandbox busy: one run at a time");
        return;
    }
    const char *why = !run.prestarted ? (run.prep_error[0] ? run.prep_error : "nothing was pre-started")
                      : !text || len > PIPE_BUF ? "bad start request" : NULL;
    if (!why) {
        await_early_end();
        char stale[64]; /* a status written before the run is not the run's */
        while (run.status_fd >= 0 && read(run.status_fd, stale, sizeof stale) > 0) {
        }
        getrusage(RUSAGE_CHILDREN, &run.before);
        if (write(run.start_fd, text, len) == (ssize_t)len) {
            close(run.start_fd);
            run.start_fd = -1;
            run.prestarted = false;
            run.active = true;
            set_timer(req);
            return;
        }
        why = "the pre-started process is gone"; /* it died (its SIGCHLD not handled yet), or its pipe is full */
    }
    drop_prestarted(); /* none of it may be left holding the run's stdout */
    /* Not a failed run: the sandbox is sound, and the JVM runs the request the plain way. */
    msg_start(out, OP_DONE);
    msg_put(out, "error", "%s", why);
    msg_put(out, "stage", "prestart");
    msg_send(ctl, out);
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

/* The root of the run process that exists now was built before the attach: show the code there
 * too, from a copy of init's mount (a detached tree can only be copied in its own namespace). */
static int attach_to_current_run(void)
{
    int tree = open_tree(AT_FDCWD, ATTACH_SOURCE, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return fail("copy attached code");
    if (setns(run.mntns, CLONE_NEWNS) < 0) {
        close(tree);
        return fail("enter the run's mount namespace");
    }
    int rc = attach_point(attach_path);
    if (rc == 0 && move_mount(tree, "", AT_FDCWD, attach_path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        rc = fail("attach code on %s", attach_path);
    close(tree);
    if (setns(own_mntns, CLONE_NEWNS) < 0)
        _exit(1); /* init must not serve another run from someone else's root */
    return rc;
}

/* Binds the sandbox to a function's code for good: a read-only mount the JVM detached from the
 * host's tree, kept in init's root and bound into every run's root from now on. */
static int attach(struct msg *req)
{
    const char *path = msg_get(req, "path");
    if (attach_path[0]) {
        errno = 0;
        return fail("code is attached already, at %s", attach_path);
    }
    if (req->nfds != (msg_get(req, "then") ? 2 : 1) || !path || path[0] != '/' || strchr(path + 1, '/') ||
        strlen(path) >= sizeof attach_path ||
        strcmp(path, "/.") == 0 || strcmp(path, "/..") == 0 || !path[1]) {
        errno = EINVAL;
        return fail("bad attach request");
    }
    if (move_mount(req->fds[0], "", AT_FDCWD, ATTACH_SOURCE, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return fail("attach code");
    snprintf(attach_path, sizeof attach_path, "%s", path);
    if (run.mntns >= 0 && run.rooted)
        return attach_to_current_run();
    return 0;
}

/* An attach, answered ATTACHED unless "quiet" (the JVM does not wait: a run sent behind it fails
 * with the attach's error); or, when it carries "then" and a second descriptor (the JVM's end
 * of an instance's channel), that text written there once the code is in the instance's root, and
 * no answer: the instance's first request, which names the code, then reaches it without a round
 * trip to the JVM between the attach and the send. A failed attach is answered either way. The
 * request is small (the JVM sends larger ones itself) and sent without waiting: init never blocks
 * on an instance's socket. An instance that is gone (EPIPE) is not answered: its DONE says why. */
static void on_attach(struct msg *req)
{
    const char *then = msg_get(req, "then");
    if (attach(req) < 0) {
        snprintf(attach_error, sizeof attach_error, "attach failed: %s", g_err);
        send_error(ctl, g_err);
    } else if (!then) {
        if (!msg_get(req, "quiet")) {
            msg_start(out, OP_ATTACHED);
            msg_send(ctl, out);
        }
    } else {
        size_t len = strlen(then);
        ssize_t n = send(req->fds[1], then, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n != (ssize_t)len && !(n < 0 && (errno == EPIPE || errno == ECONNRESET))) {
            fail("code attached, but its first request could not be handed to the instance");
            send_error(ctl, g_err);
        }
    }
    msg_close_fds(req);
}

/* The prepared run's namespaces, for a zygote's copy to join in place of an exec (ADR 0015): its
 * mount namespace (the fresh root) and ipc namespace, and init's uts, net, cgroup and pid ones. The
 * JVM then sends an exec request with watch=1 and the copy's pidfd, and init ends the run when
 * that copy exits, as it would for its own run process. */
static void lend(void)
{
    if (attach_error[0] || run.active || run.lent) {
        errno = 0;
        fail("%s", attach_error[0] ? attach_error : run.lent ? "lent already" : "sandbox busy: one run at a time");
        send_error(ctl, g_err);
        return;
    }
    drop_prestarted();
    if (!prepare_run()) {
        send_error(ctl, run.prep_error);
        return;
    }
    char ipc[64];
    snprintf(ipc, sizeof ipc, "/proc/%d/ns/ipc", run.child);
    const char *own[] = { "/proc/self/ns/uts", "/proc/self/ns/net", "/proc/self/ns/cgroup", "/proc/self/ns/pid" };
    msg_start(out, OP_LENT);
    out->fds[out->nfds++] = fcntl(run.mntns, F_DUPFD_CLOEXEC, 3);
    out->fds[out->nfds++] = open(ipc, O_RDONLY | O_CLOEXEC);
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        out->fds[out->nfds++] = open(own[i], O_RDONLY | O_CLOEXEC);
    bool ok = true;
    for (int i = 0; i < out->nfds; i++)
        ok = ok && out->fds[i] >= 0;
    if (ok) {
        /* The run process goes (its namespaces live on through these descriptors and init's own
         * copy of the mount namespace): no process of the run's uid may be left for the copy's
         * kill(-1) to reach, and init watches the copy itself. */
        kill(run.child, SIGKILL);
        while (waitpid(run.child, NULL, 0) < 0 && errno == EINTR) {
        }
        close(run.sock);
        run.sock = -1;
        run.child = 0;
        run.lent = true;
        msg_send(ctl, out);
    } else {
        send_error(ctl, "init: cannot open the run's namespaces");
    }
    msg_close_fds(out);
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
