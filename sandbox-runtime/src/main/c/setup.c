/*
 * The init's one-time set-up, in the new namespaces the factory cloned it into. init_main calls one
 * helper per step, in the order of docs/sandbox.md; a failing step is reported to the JVM by name.
 */
#include "flint-init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

/* runc's masked paths: files get /dev/null bound over them, directories an empty read-only tmpfs. */
static const char *const masked[] = {
    "acpi", "asound", "kcore", "keys", "latency_stats", "timer_list", "timer_stats", "sched_debug", "scsi", NULL,
};
static const char *const read_only[] = { "bus", "fs", "irq", "sys", "sysrq-trigger", NULL };

static char *path_in(const char *root, const char *rel)
{
    static char buf[4][4096];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", root, rel);
    return p;
}

/* The atime and no* flags a bind mount already has: a remount that drops a locked one fails. */
static unsigned long kept_flags(const char *path)
{
    struct statvfs s;
    if (statvfs(path, &s) < 0)
        return 0;
    unsigned long f = 0;
    if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (s.f_flag & ST_NODEV) f |= MS_NODEV;
    if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

static int bind_read_only(const char *src, const char *dst, unsigned long extra)
{
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        return fail("bind %s on %s", src, dst);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | extra | kept_flags(dst);
    if (mount(NULL, dst, NULL, flags, NULL) < 0)
        return fail("remount %s read-only", dst);
    return 0;
}

/* 1. A session of its own (else every sandbox is in the JVM's process group and session, and a
 * run's kill(0) or SIGCONT reaches other sandboxes' processes of the same uid), not dumpable (no
 * /proc/1/mem, no ptrace), and never the OOM killer's choice. */
static int harden_self(const struct config *cfg)
{
    if (setsid() < 0)
        return fail("setsid");
    /* Best effort: it needs CAP_SYS_RESOURCE, which some hosts (and user namespaces) withhold;
     * init is the smallest process in the cgroup, so the OOM killer picks it last anyway. */
    (void)cfg;
    write_file("/proc/self/oom_score_adj", "-1000");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return fail("prctl dumpable");
    return 0;
}

/* 2. Nothing mounted from here on propagates back to the host. */
static int make_mounts_private(void)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return fail("make mounts private");
    return 0;
}

/* The two host paths the set-up needs, the state directory's mount point and the layers, reached
 * through descriptors opened once, so that no later step resolves a host path again. */
struct host_dirs {
    char root[32];                      /* the skeleton tmpfs mounted on cfg->mnt */
    char lowers[MAX_LAYERS][32];
};

static int open_dir(const char *path, char *as, size_t size)
{
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail("open %s", path);
    snprintf(as, size, "/proc/self/fd/%d", fd); /* closed with the rest in seal() */
    return 0;
}

/* 3. The init's own root: a tiny tmpfs on the state directory's mount point, and descriptors for
 * it and the layers. */
static int mount_root_and_open_layers(const struct config *cfg, struct host_dirs *dirs)
{
    if (mount("flint-root", cfg->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,nr_inodes=512,mode=755,uid=0,gid=0") < 0)
        return fail("mount root tmpfs on %s", cfg->mnt);
    if (open_dir(cfg->mnt, dirs->root, sizeof dirs->root) < 0)
        return -1;
    for (int i = 0; i < cfg->nlowers; i++)
        if (open_dir(cfg->lowers[i], dirs->lowers[i], sizeof dirs->lowers[i]) < 0)
            return -1;
    return 0;
}

/* 4. The skeleton: the read-only layers that each run's overlay uses, and mount points. */
static int populate_skeleton(const struct config *cfg, const struct host_dirs *dirs)
{
    const char *names[] = { ".layers", "dev", "proc", ".scratch", ".root", ".attach", NULL };
    for (const char **d = names; *d; d++)
        if (mkdir(path_in(dirs->root, *d), 0755) < 0)
            return fail("mkdir %s", *d);
    for (int i = 0; i < cfg->nlowers; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, ".layers/%d", i);
        char *dst = path_in(dirs->root, rel);
        if (mkdir(dst, 0755) < 0)
            return fail("mkdir %s", dst);
        if (cfg->idmapped[i] >= 0) {
            /* already read-only, nosuid, nodev and id-mapped: the factory made it so */
            if (move_mount(cfg->idmapped[i], "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return fail("attach id-mapped layer %s", cfg->lowers[i]);
            close(cfg->idmapped[i]);
        } else if (bind_read_only(dirs->lowers[i], dst, MS_NOSUID | MS_NODEV) < 0) {
            char why[ERR_MAX];
            snprintf(why, sizeof why, "%s", g_err); /* fail() writes g_err */
            errno = 0;
            return fail("bind layer %s: %s", cfg->lowers[i], why);
        }
    }
    return 0;
}

/* 5. A minimal /dev: the host's safe device nodes made again with mknod, pts, links (shm -> /tmp). */
static int make_dev(const char *root)
{
    char dev[2048];
    snprintf(dev, sizeof dev, "%s", path_in(root, "dev"));
    if (mount("flint-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=755") < 0)
        return fail("mount /dev tmpfs");
    for (const char *const *d = devices; *d; d++) {
        char host[64];
        snprintf(host, sizeof host, "/dev/%s", *d);
        struct stat st;
        if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode))
            return fail("host %s is not a character device", host);
        /* the host's major:minor, checked to be a character device; mknod is a plain file-system
         * call where a bind would be a mount of its own (init is still the host's root here) */
        if (mknod(path_in(dev, *d), S_IFCHR | 0666, st.st_rdev) < 0)
            return fail("mknod /dev/%s", *d);
    }
    const char *links[][2] = {
        { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
        { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
        { "/tmp", "shm" }, /* POSIX shared memory lives in the run's scratch, and dies with it */
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++)
        if (symlink(links[i][0], path_in(dev, links[i][1])) < 0)
            return fail("symlink /dev/%s", links[i][1]);
    if (mkdir(path_in(dev, "pts"), 0755) < 0)
        return fail("mkdir /dev/pts");
    if (mount("devpts", path_in(dev, "pts"), "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620,max=64") < 0)
        return fail("mount /dev/pts");
    if (mount(NULL, dev, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=755") < 0)
        return fail("remount /dev read-only");
    return 0;
}

/* 6. A network namespace of our own with loopback up (made here rather than at clone, so that
 * inits pay its cost in parallel: BASELINE.md 4.2), and the hostname (own UTS namespace). */
static int name_and_loopback(const struct config *cfg)
{
    if (unshare(CLONE_NEWNET) < 0)
        return fail("new network namespace");
    if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
        return fail("sethostname %s", cfg->hostname);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return fail("socket for loopback");
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return rc < 0 ? fail("bring loopback up") : 0;
}

/* 7. /proc of the new pid namespace, with runc's masked and read-only paths (/proc/<name>).
 * Before the pivot: a user namespace may mount a proc only while a full one is visible in its
 * mount namespace (the kernel's mount_too_revealing), and the host's goes with the old root. */
static int mount_proc(const char *root)
{
    char proc[2048], p[2100];
    snprintf(proc, sizeof proc, "%s", path_in(root, "proc"));
    if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail("mount /proc");
    for (const char *const *m = masked; *m; m++) {
        snprintf(p, sizeof p, "%s/%s", proc, *m);
        struct stat st;
        if (stat(p, &st) < 0)
            continue; /* not on this kernel */
        int rc = S_ISDIR(st.st_mode)
            ? mount("flint-mask", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1")
            : mount("/dev/null", p, NULL, MS_BIND, NULL);
        if (rc < 0)
            return fail("mask /proc/%s", *m);
    }
    for (const char *const *r = read_only; *r; r++) {
        snprintf(p, sizeof p, "%s/%s", proc, *r);
        if (access(p, F_OK) < 0)
            continue;
        if (bind_read_only(p, p, MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0)
            return -1;
    }
    return 0;
}

/* 8. pivot_root into the skeleton and detach the host's root: from here the host fs is gone. */
int pivot_into(const char *root)
{
    if (chdir(root) < 0)
        return fail("chdir %s", root);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return fail("pivot_root %s", root);
    if (umount2(".", MNT_DETACH) < 0)
        return fail("detach old root");
    if (chdir("/") < 0)
        return fail("chdir /");
    return 0;
}

/* 9. The skeleton itself read-only, and a cgroup namespace rooted at the sandbox's cgroup (the
 * factory attached us before we started). */
static int seal_root(void)
{
    if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return fail("remount root read-only");
    if (unshare(CLONE_NEWCGROUP) < 0)
        return fail("new cgroup namespace");
    return 0;
}

/* 10. With a user namespace: join it as its root, then take a mount namespace of its own. Every
 * mount so far was made as the host's root, so in the copy they are locked: the layers and /dev
 * stay read-only and nothing can be unmounted to uncover what is below, even for code running
 * as init. The pid, net, uts, ipc and cgroup namespaces stay the host's user namespace's. */
static int enter_user_namespace(const struct config *cfg)
{
    if (cfg->userns_fd < 0)
        return 0;
    if (setns(cfg->userns_fd, CLONE_NEWUSER) < 0)
        return fail("join user namespace");
    close(cfg->userns_fd);
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
        return fail("become root of the user namespace");
    if (unshare(CLONE_NEWNS) < 0)
        return fail("mount namespace of the user namespace");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) /* a uid change resets it */
        return fail("prctl dumpable");
    return 0;
}

/* 11. stdio on /dev/null, no descriptor but the control socket and the cgroup files of usage.c. */
static int close_host_fds(int ctl)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return fail("open /dev/null");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(null, fd) < 0)
            return fail("stdio to /dev/null");
    close(null);
    int keep[4] = { ctl };
    int n = 1 + usage_fds(keep + 1);
    for (int i = 1; i < n; i++) /* ascending */
        for (int j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    int from = 3;
    for (int i = 0; i < n; i++) {
        if (keep[i] > from)
            syscall(SYS_close_range, from, keep[i] - 1, 0);
        if (keep[i] >= from)
            from = keep[i] + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0);
    return 0;
}

/* 12. What every run process inherits and cannot undo: the bounding set of capabilities it may
 * keep, and its rlimits. Set once here so that no run pays for it. */
static int limit_runs(const struct config *cfg)
{
    if (drop_bounding_set(cfg->caps) < 0)
        return -1;
    return set_rlimits(cfg->nofile);
}

void init_main(const struct config *cfg, int ctl, const struct sock_fprog *filter)
{
    static struct host_dirs dirs;
    int rc = harden_self(cfg);
    if (rc == 0) rc = make_mounts_private();
    if (rc == 0) rc = mount_root_and_open_layers(cfg, &dirs);
    if (rc == 0) rc = populate_skeleton(cfg, &dirs);
    if (rc == 0) rc = make_dev(dirs.root);
    if (rc == 0) rc = name_and_loopback(cfg);
    if (rc == 0) rc = mount_proc(dirs.root);
    /* Its cgroup's files, while the host's tree is in view, and before seal_root's new cgroup
     * namespace: the kernel checks writes against the namespace an fd was opened in. */
    if (rc == 0) usage_open(cfg);
    if (rc == 0) rc = pivot_into(dirs.root);
    if (rc == 0) rc = seal_root();
    if (rc == 0) rc = enter_user_namespace(cfg);
    if (rc == 0) rc = close_host_fds(ctl);
    if (rc == 0) rc = limit_runs(cfg);
    if (rc < 0) {
        send_error(ctl, g_err);
        _exit(1);
    }
    init_loop(cfg, ctl, filter);
}
