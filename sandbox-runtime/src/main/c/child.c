/*
 * One run's process. Before the request (ahead of time when the sandbox prepares ahead): a new
 * mount and IPC namespace, a fresh size-limited tmpfs as the overlay's upper layer over the
 * read-only layers, /proc and /dev bound in, pivot_root, then every privilege dropped and the
 * seccomp filter on. On the request: the given stdio, the cwd, exec. Failures go back to init.
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

#define SCRATCH "/.scratch"
#define ROOT SCRATCH "/root"
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

static int mount_scratch_root(const struct config *cfg)
{
    char opts[64];
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=%llu,mode=755", cfg->scratch_bytes, cfg->scratch_inodes);
    if (mount("flint-scratch", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return fail("mount scratch tmpfs");
    if (mkdir(SCRATCH "/upper", 0755) < 0 || mkdir(SCRATCH "/work", 0755) < 0 ||
        mkdir(ROOT, 0755) < 0 || mkdir(SCRATCH "/shm", 01777) < 0)
        return fail("mkdir scratch dirs");
    char data[64 + MAX_LAYERS * 16];
    size_t n = snprintf(data, sizeof data, "lowerdir=");
    for (int i = 0; i < cfg->nlowers; i++)
        n += snprintf(data + n, sizeof data - n, "%s/.layers/%d", i ? ":" : "", i);
    snprintf(data + n, sizeof data - n, ",upperdir=" SCRATCH "/upper,workdir=" SCRATCH "/work%s",
             cfg->userns_base ? ",userxattr" : "");
    if (mount("flint-overlay", ROOT, "overlay", MS_NOSUID | MS_NODEV, data) < 0)
        return fail("mount overlay root");
    return 0;
}

static int ensure_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    return fail("mkdir %s", path);
}

/* Init's /proc and /dev (with their masks and device binds) move into the new root: this mount
 * namespace is a private copy, so moving costs less than copying them again, and leaves fewer
 * mounts for the old root's detach. */
static int move_system_dirs(void)
{
    if (ensure_dir(ROOT "/proc", 0555) < 0 || ensure_dir(ROOT "/dev", 0755) < 0 ||
        ensure_dir(ROOT "/tmp", 01777) < 0)
        return -1;
    if (mount("/proc", ROOT "/proc", NULL, MS_MOVE, NULL) < 0)
        return fail("move /proc");
    if (mount("/dev", ROOT "/dev", NULL, MS_MOVE, NULL) < 0)
        return fail("move /dev");
    if (mount(SCRATCH "/shm", ROOT "/dev/shm", NULL, MS_BIND, NULL) < 0)
        return fail("bind /dev/shm");
    return 0;
}

static int enter_root(void)
{
    if (chdir(ROOT) < 0)
        return fail("chdir scratch root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return fail("pivot_root scratch root");
    if (umount2(".", MNT_DETACH) < 0)
        return fail("detach init root");
    if (chdir("/") < 0)
        return fail("chdir /");
    return 0;
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

static int prepare(const struct config *cfg, const struct sock_fprog *filter)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0)
        return fail("new mount and ipc namespace");
    if (mount_scratch_root(cfg) < 0 || move_system_dirs() < 0 || enter_root() < 0)
        return -1;
    if (reset_oom_score_adj() < 0)
        return fail("reset oom_score_adj");
    if (set_rlimits(cfg->nofile) < 0 || drop_privileges(cfg->uid, cfg->gid, cfg->caps) < 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail("set no_new_privs");
    /* Last before the wait, and so as close to exec as the request allows. */
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

static char **collect(const struct msg *m, const char *key)
{
    int count = 0;
    for (const char *v = msg_get(m, key); v; v = msg_next(m, key, v))
        count++;
    char **list = calloc(count + 1, sizeof *list);
    if (!list)
        return NULL;
    int i = 0;
    for (const char *v = msg_get(m, key); v; v = msg_next(m, key, v))
        list[i++] = (char *)v;
    return list;
}

static void run_request(int sock, struct msg *req)
{
    if (req->buf[0] != OP_EXEC || req->nfds != 3) {
        fail("bad exec request");
        die(sock, "prepare");
    }
    for (int fd = 0; fd < 3; fd++)
        if (dup2(req->fds[fd], fd) < 0) {
            fail("set up stdio");
            die(sock, "prepare");
        }
    msg_close_fds(req);
    /* Every other descriptor closes at exec; sock stays open until then to report a failure. */
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
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
    char **argv = collect(req, "arg");
    char **envp = collect(req, "env");
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
    if (prepare(cfg, filter) < 0)
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
