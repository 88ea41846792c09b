/*
 * The next run's process started ahead of its request (ADR 0017): it execs the request's command
 * at once and waits on its fd 3 for the text that START writes there; a PRESTART sent during a
 * run is kept until that run has ended. A pre-started shell may also report its exit status on
 * its fd 4 (the addendum): the run then ends early, before the shell's own exit, and the shell is
 * reaped afterwards, before the next run at the latest.
 */
#include "flint-init.h"
#include "init-state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static struct msg *queued; /* a PRESTART that came during a run, done when the run ends, or NULL */
struct msg *spare;  /* the buffer that takes in's place while queued holds one */
pid_t ending; /* the process of a run that ended early (finish_early), until it is reaped, else 0 */

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
void reaped_early(void)
{
    ending = 0;
    usage_reset();
}

/* Before a run starts: the one that ended early is reaped first (a moment of its exit at most), so
 * that its memory, CPU time and pid are not the next run's. */
void await_early_end(void)
{
    if (!ending)
        return;
    while (waitpid(ending, NULL, 0) < 0 && errno == EINTR) {
    }
    reaped_early();
}

/* The pre-started shell's status line: "N\n", 0-255; anything else (its own EXIT trap replaced
 * ours, it exec'd, a function wrote there) is ignored, and the run ends at the shell's exit. */
void on_status(void)
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

/* A pre-started process that a plain run or a lend replaces: it has run nothing of a request
 * yet, but its root is not fresh for someone else's process, so the next run gets a new one. */
void drop_prestarted(void)
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
void prestart(struct msg *req)
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
void queue_prestart(void)
{
    if (queued || in->nfds != 3) {
        msg_close_fds(in);
        return;
    }
    queued = in; /* no copy: the spare buffer takes the requests meanwhile */
    in = spare;
    spare = NULL;
}

void prestart_queued(void)
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
void start_prestarted(struct msg *req)
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
