/*
 * A zygote: a long-lived runtime process (a Python interpreter with its imports done) that forks
 * a copy of itself into a sandbox's namespaces on request, so that every copy shares the imported
 * heap copy-on-write instead of starting and importing again (ADR 0015).
 *
 * The factory clones it like an init, but without a pid namespace (a process can only setns into
 * a pid namespace below its own, and the sandboxes' are below the host's), in new mount, uts, ipc
 * and net namespaces, attached to its own cgroup first. Its root is an overlay of the image's
 * layers over a small tmpfs, remounted read-only, so no host path is reachable from it; then it
 * execs the runtime with its control socket on fd 3 and the run seccomp filter (the one every run
 * process installs) readable on fd 4. It keeps root and the base filter: joining a sandbox takes
 * setns and a cgroup write. What a forked copy gives up before it runs anything of a function's is
 * the zygote program's business (sandbox-runtime's zygote.py), checked by ZygoteIT.
 */
#include "flint-init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ZYGOTE_CTL 3
#define ZYGOTE_FILTER 4

struct zygote {
    const char *mnt;
    const char *lowers[MAX_LAYERS];
    int nlowers;
    const char *cgroup_procs[MAX_CGROUPS];
    int ncgroups;
    unsigned long long scratch_bytes;
    char **argv;
    char **envp;
};

static int zygote_parse(const struct msg *m, struct zygote *z)
{
    memset(z, 0, sizeof *z);
    int n;
    char **lowers = msg_collect(m, "lower", MAX_LAYERS, &z->nlowers);
    char **cgroups = msg_collect(m, "cgroup", MAX_CGROUPS, &z->ncgroups);
    z->argv = msg_collect(m, "arg", 256, &n);
    z->envp = msg_collect(m, "env", 256, &n);
    z->mnt = msg_get(m, "mnt");
    const char *scratch = msg_get(m, "scratch");
    char *end = NULL;
    errno = 0;
    z->scratch_bytes = scratch ? strtoull(scratch, &end, 10) : 0;
    if (!lowers || !cgroups || !z->argv || !z->envp || !z->argv[0] || z->argv[0][0] != '/' || z->nlowers == 0 ||
        z->ncgroups == 0 || !z->mnt || z->mnt[0] != '/' || errno || !end || *end || z->scratch_bytes < 65536) {
        free(lowers);
        free(cgroups);
        errno = 0;
        return fail("zygote: bad request (mnt, lower, cgroup, scratch >= 64 KiB, arg with an absolute program, env)");
    }
    for (int i = 0; i < z->nlowers; i++)
        z->lowers[i] = lowers[i];
    for (int i = 0; i < z->ncgroups; i++)
        z->cgroup_procs[i] = cgroups[i];
    free(lowers);
    free(cgroups);
    return 0;
}

/* The image's layers as an overlay on mnt/root, its upper a tmpfs on mnt; layers are reached through
 * descriptors (/proc/self/fd/N), so the lowerdir option never holds a host path's ':' or ','. */
static int mount_image_root(const struct zygote *z, char *root, size_t size)
{
    char opts[64];
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=1024,mode=755", z->scratch_bytes);
    if (mount("flint-zygote", z->mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return fail("mount zygote tmpfs on %s", z->mnt);
    char upper[1100], work[1100];
    snprintf(upper, sizeof upper, "%s/upper", z->mnt);
    snprintf(work, sizeof work, "%s/work", z->mnt);
    snprintf(root, size, "%s/root", z->mnt);
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0 || mkdir(root, 0755) < 0)
        return fail("mkdir zygote dirs");
    char data[64 + MAX_LAYERS * 32 + 2300];
    size_t n = snprintf(data, sizeof data, "lowerdir=");
    for (int i = 0; i < z->nlowers; i++) {
        int fd = open(z->lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return fail("open layer %s", z->lowers[i]);
        n += snprintf(data + n, sizeof data - n, "%s/proc/self/fd/%d", i ? ":" : "", fd);
    }
    snprintf(data + n, sizeof data - n, ",upperdir=%s,workdir=%s", upper, work);
    if (mount("flint-zygote-root", root, "overlay", MS_NOSUID | MS_NODEV, data) < 0)
        return fail("mount zygote overlay");
    return 0;
}

/* fd 4: the run filter's instructions, as the zygote's copies install it (struct sock_filter[]). */
static int filter_fd(const struct sock_fprog *filter)
{
    int fd = memfd_create("flint-run-filter", 0); /* kept across exec: see descriptors() */
    size_t bytes = filter->len * sizeof *filter->filter;
    if (fd < 0 || write(fd, filter->filter, bytes) != (ssize_t)bytes || lseek(fd, 0, SEEK_SET) < 0)
        return fail("write run filter");
    return fd;
}

/* 3 and 4 are free (the factory's own socket is 3, replaced here), and neither new copy is
 * close-on-exec; the originals above 4 go with everything else the factory had open. */
static int descriptors(int ctl, int filter)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the factory blocks SIGCHLD; an exec keeps the mask */
    if (dup2(ctl, ZYGOTE_CTL) < 0 || dup2(filter, ZYGOTE_FILTER) < 0)
        return fail("set up zygote descriptors");
    /* 0 and 1 stay the factory's /dev/null, 2 its stderr (the JVM's: diagnostics) */
    syscall(SYS_close_range, ZYGOTE_FILTER + 1, ~0U, 0);
    return 0;
}

static void zygote_main(const struct zygote *z, int ctl, const struct sock_fprog *filter) __attribute__((noreturn));
static void zygote_main(const struct zygote *z, int ctl, const struct sock_fprog *filter)
{
    char root[1100];
    int filt = -1;
    /* A session of its own, as each init has: its copies are then in no group or session of the JVM's. */
    int rc = setsid() < 0 ? fail("setsid") : 0;
    if (rc == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        rc = fail("make mounts private");
    if (rc == 0)
        rc = mount_image_root(z, root, sizeof root);
    if (rc == 0 && (filt = filter_fd(filter)) < 0)
        rc = -1;
    if (rc == 0)
        rc = pivot_into(root);
    if (rc == 0 && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        rc = fail("remount zygote root read-only");
    if (rc == 0 && (rc = descriptors(ctl, filt)) == 0)
        ctl = ZYGOTE_CTL; /* the original is closed now */
    if (rc == 0) {
        prctl(PR_SET_NAME, "flint-zygote", 0, 0, 0);
        execve(z->argv[0], z->argv, z->envp);
        fail("exec %s", z->argv[0]);
    }
    send_error(ctl, g_err);
    _exit(127);
}

void handle_zygote(int ctl, struct msg *req, const struct sock_fprog *filter)
{
    struct zygote z = {0};
    if (req->nfds != 1 || zygote_parse(req, &z) < 0) {
        send_error(ctl, req->nfds != 1 ? "zygote: expected exactly one file descriptor" : g_err);
        goto out;
    }
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0) {
        fail("pipe");
        send_error(ctl, g_err);
        goto out;
    }
    int pidfd = -1;
    int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_PIDFD;
    pid_t pid = syscall(SYS_clone, flags | SIGCHLD, NULL, &pidfd, NULL, 0);
    if (pid == 0) {
        char b;
        close(go[1]);
        if (read(go[0], &b, 1) != 1)
            _exit(1); /* the factory could not attach us to our cgroup */
        close(go[0]);
        zygote_main(&z, req->fds[0], filter);
    }
    close(go[0]);
    if (pid < 0) {
        fail("clone zygote");
        send_error(ctl, g_err);
        close(go[1]);
        goto out;
    }
    if (attach_and_announce(ctl, z.cgroup_procs, z.ncgroups, pid, pidfd) < 0) {
        close(pidfd);
        close(go[1]);
        goto out;
    }
    if (write(go[1], "g", 1) != 1)
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    close(go[1]);
    close(pidfd);
out:
    free(z.argv);
    free(z.envp);
    msg_close_fds(req);
}
