/*
 * A run's fresh root, built by init inside the run process's own mount namespace (setns there
 * and back): a size-limited tmpfs as the overlay's upper layer over the read-only layers, the
 * attached function code if any, init's /proc and /dev moved in, then pivot_root, which takes the
 * waiting run process's root and cwd along. Doing it from init leaves the run process nothing
 * but exec on the request path, whether the root is built ahead of it or on it.
 */
#include "flint-init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SCRATCH "/.scratch"
#define ROOT "/.root" /* an empty directory of init's read-only root: one mkdir less per run */

static int mount_scratch_root(const struct config *cfg)
{
    char opts[128];
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=%llu,mode=755", cfg->scratch_bytes, cfg->scratch_inodes);
    if (mount("flint-scratch", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return fail("mount scratch tmpfs");
    if (mkdir(SCRATCH "/upper", 0755) < 0 || mkdir(SCRATCH "/work", 0755) < 0)
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

/* The directory an attached mount goes on: made in the run's scratch when the image lacks it; an
 * image's file or symlink there is refused rather than followed. */
int attach_point(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : fail("attach point %s is not a directory in the image", path);
    if (errno != ENOENT || mkdir(path, 0755) < 0)
        return fail("make attach point %s", path);
    return 0;
}

/* The function code init holds (ATTACH_SOURCE) shown in this run's root too. */
static int bind_attached(const char *attach_path)
{
    char dst[128];
    snprintf(dst, sizeof dst, ROOT "%s", attach_path);
    if (attach_point(dst) < 0)
        return -1;
    if (mount(ATTACH_SOURCE, dst, NULL, MS_BIND, NULL) < 0)
        return fail("bind attached code on %s", attach_path);
    return 0;
}

/* Init's /proc and /dev (with their masks and device binds) move into the new root: this mount
 * namespace is a private copy, so moving costs less than copying them again, and leaves fewer
 * mounts for the old root's detach. */
static int move_system_dirs(const struct config *cfg)
{
    /* The layers never change: once the image has shown it holds all three, later runs skip the
     * three mkdir calls (each a path walk through the overlay, ~3 % of a run). */
    static bool image_has_them;
    if (!image_has_them) {
        int had = 0;
        const char *dirs[] = { ROOT "/proc", ROOT "/dev", ROOT "/tmp" };
        const mode_t modes[] = { 0555, 0755, 01777 };
        for (int i = 0; i < 3; i++) {
            if (mkdir(dirs[i], modes[i]) == 0)
                continue;
            if (errno != EEXIST)
                return fail("mkdir %s", dirs[i]);
            had++;
        }
        image_has_them = had == 3;
    }
    /* Locked mounts (a user namespace's copy of the host's) cannot be moved, only bound along. */
    unsigned long how = cfg->userns_base ? MS_BIND | MS_REC : MS_MOVE;
    if (mount("/proc", ROOT "/proc", NULL, how, NULL) < 0)
        return fail("move /proc");
    if (mount("/dev", ROOT "/dev", NULL, how, NULL) < 0)
        return fail("move /dev");
    return 0; /* /dev/shm is a link to /tmp, which is the run's scratch */
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

int mount_run_root(const struct config *cfg, int run_mntns, int own_mntns, const char *attach_path)
{
    if (setns(run_mntns, CLONE_NEWNS) < 0)
        return fail("enter the run's mount namespace");
    int rc = mount_scratch_root(cfg);
    if (rc == 0 && attach_path)
        rc = bind_attached(attach_path);
    if (rc == 0)
        rc = move_system_dirs(cfg);
    if (rc == 0)
        rc = enter_root();
    int saved = errno;
    char err[ERR_MAX];
    snprintf(err, sizeof err, "%s", g_err);
    if (setns(own_mntns, CLONE_NEWNS) < 0) {
        /* init cannot go home: it must not serve another run from someone else's root */
        _exit(1);
    }
    snprintf(g_err, sizeof g_err, "%s", err);
    errno = saved;
    return rc;
}
