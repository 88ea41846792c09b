/* The factory: clones one init per create request into new namespaces, attaches it to its cgroups
 * before it runs a single instruction of set-up, and hands the JVM a pidfd for it. */
#include "flint-init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int parse_u64(const char *s, int base, unsigned long long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int config_parse(const struct msg *m, struct config *cfg, char *err)
{
    memset(cfg, 0, sizeof *cfg);
    unsigned long long v;
#define NEED_U64(key, base, dst)                                           \
    do {                                                                   \
        if (parse_u64(msg_get(m, key), base, &v) < 0) {                    \
            snprintf(err, ERR_MAX, "create: missing or bad field %s", key); \
            return -1;                                                     \
        }                                                                  \
        dst = v;                                                           \
    } while (0)
    cfg->id = msg_get(m, "id");
    cfg->mnt = msg_get(m, "mnt");
    cfg->hostname = msg_get(m, "hostname");
    cfg->memory_peak = msg_get(m, "memory_peak");
    cfg->memory_events = msg_get(m, "memory_events");
    cfg->pids_current = msg_get(m, "pids_current");
    if (!cfg->id || !cfg->mnt || cfg->mnt[0] != '/' || strlen(cfg->mnt) > 1024 || !cfg->hostname) {
        snprintf(err, ERR_MAX, "create: missing id, mnt (absolute, at most 1024 bytes) or hostname");
        return -1;
    }
    for (const char *l = msg_get(m, "lower"); l; l = msg_next(m, "lower", l)) {
        if (cfg->nlowers == MAX_LAYERS || l[0] != '/') {
            snprintf(err, ERR_MAX, "create: too many layers or relative layer path");
            return -1;
        }
        cfg->lowers[cfg->nlowers++] = l;
    }
    for (const char *c = msg_get(m, "cgroup"); c; c = msg_next(m, "cgroup", c)) {
        if (cfg->ncgroups == MAX_CGROUPS) {
            snprintf(err, ERR_MAX, "create: too many cgroup hierarchies");
            return -1;
        }
        cfg->cgroup_procs[cfg->ncgroups++] = c;
    }
    if (cfg->nlowers == 0) {
        snprintf(err, ERR_MAX, "create: no layers");
        return -1;
    }
    NEED_U64("scratch", 10, cfg->scratch_bytes);
    NEED_U64("inodes", 10, cfg->scratch_inodes);
    NEED_U64("uid", 10, cfg->uid);
    NEED_U64("gid", 10, cfg->gid);
    NEED_U64("caps", 16, cfg->caps);
    NEED_U64("userns", 10, cfg->userns_base);
    NEED_U64("prepare", 10, cfg->prepare_ahead);
    NEED_U64("nofile", 10, cfg->nofile);
#undef NEED_U64
    if (cfg->uid > 65535 || cfg->gid > 65535 || cfg->nofile < 16 || cfg->nofile > 1048576) {
        snprintf(err, ERR_MAX, "create: uid, gid or nofile out of range");
        return -1;
    }
    return 0;
}

static int write_id_map(pid_t pid, const char *file, unsigned long base)
{
    char path[64], map[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    snprintf(map, sizeof map, "0 %lu 65536\n", base);
    return write_file(path, map);
}

/* Runs in the parent while a clone (an init or a zygote) waits: its cgroup attach comes first, so
 * that not one allocation of it escapes its limits; then the JVM learns its pid, with a pidfd. On
 * failure the clone is killed and the JVM told why; the caller closes the pidfd either way. */
int attach_and_announce(int ctl, const char *const *procs, int nprocs, pid_t pid, int pidfd)
{
    char pidtext[24];
    snprintf(pidtext, sizeof pidtext, "%d", pid);
    for (int i = 0; i < nprocs; i++) {
        if (write_file(procs[i], pidtext) < 0) {
            fail("attach to cgroup %s", procs[i]);
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            send_error(ctl, g_err);
            return -1;
        }
    }
    struct msg *reply = malloc(sizeof *reply);
    if (!reply)
        abort();
    msg_start(reply, OP_CREATED);
    msg_put(reply, "pid", "%d", pid);
    reply->fds[0] = pidfd;
    reply->nfds = 1;
    msg_send(ctl, reply);
    free(reply);
    return 0;
}

/*
 * A user namespace mapping 0..65535 to base..base+65535, made by a short-lived child (a user
 * namespace lives on while a descriptor refers to it). The init joins it only at the end of its
 * set-up: until then it is the host's root, so every mount it makes belongs to a mount namespace
 * of the host's user namespace, and the copy it then unshares inside the user namespace has
 * those mounts locked (read-only stays read-only, nothing can be uncovered).
 */
static int make_user_namespace(unsigned long base)
{
    int wait[2];
    if (pipe2(wait, O_CLOEXEC) < 0)
        return fail("pipe for user namespace");
    pid_t pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0) {
        char b;
        close(wait[1]);
        while (read(wait[0], &b, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
    }
    close(wait[0]);
    int fd = -1;
    if (pid < 0) {
        fail("clone user namespace");
    } else if (write_id_map(pid, "uid_map", base) < 0 || write_id_map(pid, "gid_map", base) < 0) {
        fail("write user namespace maps");
    } else {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            fail("open user namespace");
    }
    close(wait[1]); /* the child exits; the SIGCHLD loop reaps it */
    return fd;
}

/* With a user namespace, the layers go over as id-mapped mounts (made here, where we are the
 * host's root, as the kernel requires): a file owned by id N on disk appears owned by N inside the
 * namespace, so root-owned images work and overlayfs can copy their files up. */
static int idmapped_layers(const struct config *cfg, struct msg *go)
{
    int userns = make_user_namespace(cfg->userns_base);
    if (userns < 0)
        return -1;
    go->fds[go->nfds++] = userns;
    struct mount_attr attr = {
        .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
        .userns_fd = userns,
    };
    for (int i = 0; i < cfg->nlowers; i++) {
        int fd = open_tree(AT_FDCWD, cfg->lowers[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (fd < 0)
            return fail("open_tree %s", cfg->lowers[i]);
        go->fds[go->nfds++] = fd;
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
            return fail("id-map layer %s", cfg->lowers[i]);
    }
    return 0;
}

/* Lets the init start, with its user namespace and id-mapped layers when it has one. */
static int release_child(const struct config *cfg, int go_sock)
{
    struct msg *go = malloc(sizeof *go);
    if (!go)
        return -1;
    msg_start(go, OP_GO);
    int rc = cfg->userns_base ? idmapped_layers(cfg, go) : 0;
    if (rc == 0)
        rc = msg_send(go_sock, go);
    msg_close_fds(go);
    free(go);
    return rc;
}

/* Built once (harden.c explains the two): the base filter is installed on the factory itself and
 * so inherited by everything it clones; each run process installs the small run filter. */
static struct sock_fprog base_filter, run_filter;

static void handle_create(int ctl, struct msg *req)
{
    struct config cfg;
    if (req->nfds != 1) {
        send_error(ctl, "create: expected exactly one file descriptor");
        goto out;
    }
    if (config_parse(req, &cfg, g_err) < 0) {
        send_error(ctl, g_err);
        goto out;
    }
    int go[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, go) < 0) {
        fail("socketpair");
        send_error(ctl, g_err);
        goto out;
    }
    /* No CLONE_NEWNET here: the network namespace is the costly one (BASELINE.md 4.2), so each
     * init makes its own, in parallel with the others, instead of in this serial loop. */
    int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD;
    int pidfd = -1;
    pid_t pid = syscall(SYS_clone, flags | SIGCHLD, NULL, &pidfd, NULL, 0);
    if (pid == 0) {
        close(go[1]);
        close(ctl);
        struct msg *start = malloc(sizeof *start);
        if (!start || msg_recv(go[0], start) <= 0 || start->buf[0] != OP_GO)
            _exit(1); /* the factory gave up on us */
        int first = cfg.userns_base ? 1 : 0;
        cfg.userns_fd = cfg.userns_base && start->nfds > 0 ? start->fds[0] : -1;
        for (int i = 0; i < cfg.nlowers; i++)
            cfg.idmapped[i] = first + i < start->nfds ? start->fds[first + i] : -1;
        close(go[0]);
        prctl(PR_SET_NAME, "flint-init", 0, 0, 0);
        init_main(&cfg, req->fds[0], &run_filter);
    }
    close(go[0]);
    if (pid < 0) {
        fail("clone new namespaces");
        send_error(ctl, g_err);
        close(go[1]);
        goto out;
    }
    /* The reply comes before the init is released: once released it may take this CPU for its
     * set-up, and the JVM should not wait for that to learn the pid. Should the release fail, the
     * init exits at once and the JVM hears it as its control socket closing. */
    if (attach_and_announce(ctl, cfg.cgroup_procs, cfg.ncgroups, pid, pidfd) < 0) {
        close(pidfd);
        close(go[1]);
        goto out;
    }
    if (release_child(&cfg, go[1]) < 0)
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    close(go[1]);
    close(pidfd);
out:
    msg_close_fds(req);
}

int factory_main(int ctl)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) {
        perror("flint-init: signalfd");
        return 1;
    }
    umask(0);
    prctl(PR_SET_NAME, "flint-factory", 0, 0, 0);
    /* A zygote's copies (ADR 0015) are orphaned when the process that forked them exits: as the
     * nearest subreaper the factory gets them, and reaps them below, rather than the host's init
     * (which need not reap them, and until it does their sandbox's pid namespace cannot go). */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        perror("flint-init: become a child subreaper");
        return 1;
    }
    if (seccomp_build(&base_filter, &run_filter) < 0 ||
        (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &base_filter, 0, 0) < 0 && fail("install base seccomp filter"))) {
        fprintf(stderr, "flint-init: %s\n", g_err);
        return 1;
    }
    struct msg *req = malloc(sizeof *req);
    if (!req)
        return 1;
    for (;;) {
        struct pollfd p[2] = { { .fd = ctl, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) > 0) {
            }
            while (waitpid(-1, NULL, WNOHANG) > 0) {
            }
        }
        if (p[0].revents) {
            ssize_t n = msg_recv(ctl, req);
            if (n == 0)
                return 0; /* the JVM went away: each init notices its own socket closing */
            if (n < 0) {
                if (errno == EMSGSIZE)
                    send_error(ctl, "create: request too large");
                else
                    return 1;
                continue;
            }
            if (req->buf[0] == OP_CREATE)
                handle_create(ctl, req);
            else if (req->buf[0] == OP_ZYGOTE)
                handle_zygote(ctl, req, &run_filter);
            else {
                msg_close_fds(req);
                send_error(ctl, "factory: unknown request");
            }
        }
    }
}
