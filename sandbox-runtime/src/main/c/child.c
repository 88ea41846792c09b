/*
 * One run's process, forked by init before the request: a new mount and IPC namespace, whose
 * descriptor it hands to init (which builds the fresh root in it: runroot.c), then every
 * privilege dropped and the run's seccomp filter on. It waits for the request with nothing left
 * to do but take the given stdio and cwd and exec. Failures go back to init.
 */
#include "flint-init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* stage "prepare" is the platform's failure, "exec" the caller's (no such command, bad cwd). */
static void die(int sock, const char *stage) __attribute__((noreturn));
static void die(int sock, const char *stage)
{
    struct msg *m = malloc(sizeof *m);
    if (m) {
        msg_start(m, OP_ERROR);
        msg_put(m, "stage", "%s", stage);
        msg_put(m, "error", "%s", g_err);
        msg_send(sock, m);
    }
    _exit(127);
}

/* Undoes init's -1000, which it could not set in a user namespace (no CAP_SYS_RESOURCE on the
 * host), where the file is not ours to write either: so only when there is something to undo. */
static int reset_oom_score_adj(void)
{
    char now[16] = "";
    int fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, now, sizeof now - 1);
        now[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    if (strcmp(now, "0\n") == 0)
        return 0;
    return write_file("/proc/self/oom_score_adj", "0");
}

/* Everything but the root, which init mounts into our namespace while we wait. */
static int prepare(const struct config *cfg, int sock, const struct sock_fprog *filter)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0)
        return fail("new mount and ipc namespace");
    if (chdir("/") < 0)
        return fail("chdir /"); /* so that init's pivot_root moves our cwd with our root */
    /* Before init gets our namespace: from then on it may be moving /proc into our new root. */
    if (reset_oom_score_adj() < 0)
        return fail("reset oom_score_adj");
    int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (ns < 0)
        return fail("open own mount namespace");
    struct msg *ready = malloc(sizeof *ready);
    if (!ready)
        return fail("out of memory");
    msg_start(ready, OP_READY);
    ready->fds[0] = ns;
    ready->nfds = 1;
    int sent = msg_send(sock, ready);
    free(ready);
    close(ns);
    if (sent < 0)
        return fail("hand mount namespace to init");
    if (drop_privileges(cfg->uid, cfg->gid, cfg->caps) < 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail("set no_new_privs");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter, 0, 0) < 0)
        return fail("install seccomp filter");
    return 0;
}

/* execvpe, but searching the PATH of the run's environment rather than ours. */
static void exec_in_path(char **argv, char **envp)
{
    if (strchr(argv[0], '/')) {
        execve(argv[0], argv, envp);
        return;
    }
    const char *path = DEFAULT_PATH;
    for (char **e = envp; *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    int first_errno = ENOENT;
    char full[PATH_MAX];
    while (*path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && (size_t)snprintf(full, sizeof full, "%.*s/%s", (int)len, path, argv[0]) < sizeof full) {
            execve(full, argv, envp);
            if (errno != ENOENT && errno != ENOTDIR && first_errno == ENOENT)
                first_errno = errno;
        }
        path += len + (path[len] == ':');
    }
    errno = first_errno;
}

/* The request's descriptors become 0, 1, 2 and, when given, 3 (the channel of a runtime that
 * stays up between requests, or a pre-started process's start text) and 4 (where a pre-started
 * shell reports its status). Received descriptors are numbered above our stdio, but one of them,
 * or our socket to init, may be where another one goes: those move out of the way first. */
static int take_descriptors(int *sock, struct msg *req)
{
    int n = req->nfds;
    if (*sock < n && (*sock = fcntl(*sock, F_DUPFD_CLOEXEC, n)) < 0)
        return fail("move the socket to init");
    for (int i = 0; i < n; i++)
        if (req->fds[i] >= 3 && req->fds[i] < n && req->fds[i] != i &&
            (req->fds[i] = fcntl(req->fds[i], F_DUPFD_CLOEXEC, n)) < 0)
            return fail("set up the channel");
    for (int fd = 0; fd < n; fd++) {
        if (req->fds[fd] == fd) {
            if (fcntl(fd, F_SETFD, 0) < 0) /* dup2 onto itself would leave close-on-exec set */
                return fail("set up stdio");
            req->fds[fd] = -1;
        } else if (dup2(req->fds[fd], fd) < 0) {
            return fail("set up stdio");
        }
    }
    msg_close_fds(req);
    /* Every other descriptor closes at exec; sock stays open until then to report a failure. */
    syscall(SYS_close_range, n, ~0U, CLOSE_RANGE_CLOEXEC);
    return 0;
}

static void run_request(int sock, struct msg *req)
{
    if (req->buf[0] != OP_EXEC || req->nfds < 3 || req->nfds > 5) {
        fail("bad exec request");
        die(sock, "prepare");
    }
    if (take_descriptors(&sock, req) < 0)
        die(sock, "prepare");
    const char *cwd = msg_get(req, "cwd");
    char here[PATH_MAX];
    if (cwd && chdir(cwd) < 0) {
        fail("chdir %s", cwd);
        die(sock, "exec");
    }
    if (!getcwd(here, sizeof here) || here[0] != '/') {
        fail("working directory is outside the sandbox");
        die(sock, "exec");
    }
    char **argv = msg_collect(req, "arg", MSG_MAX, NULL);
    char **envp = msg_collect(req, "env", MSG_MAX, NULL);
    if (!argv || !envp || !argv[0]) {
        errno = 0;
        fail("empty command");
        die(sock, "exec");
    }
    exec_in_path(argv, envp);
    fail("exec %s", argv[0]);
    die(sock, "exec");
}

void child_main(const struct config *cfg, int sock, const struct sock_fprog *filter)
{
    if (prepare(cfg, sock, filter) < 0)
        die(sock, "prepare");
    struct msg *req = malloc(sizeof *req);
    if (!req)
        _exit(127);
    ssize_t n = msg_recv(sock, req);
    if (n <= 0)
        _exit(0); /* init closed our socket: the sandbox is going away */
    run_request(sock, req);
    _exit(127);
}
