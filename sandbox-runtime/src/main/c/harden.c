/* What a run process gives up before it may exec: capabilities, identity, rlimits, syscalls. */
#include "flint-init.h"
#include "seccomp_allow.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)len ? 0 : -1;
}

/* Done once by init: the bounding set is inherited, so no run can ever gain what is not kept.
 * Init's own effective and permitted sets are untouched. */
int drop_bounding_set(uint64_t keep)
{
    for (int cap = 0; cap <= 63; cap++) {
        if (keep & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL)
                break; /* past CAP_LAST_CAP */
            return fail("drop capability %d from the bounding set", cap);
        }
    }
    return 0;
}

/* The ids, then the capability sets (the bounding set is already init's, see above). */
int drop_privileges(uid_t uid, gid_t gid, uint64_t keep)
{
    if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return fail("keep capabilities across setuid");
    if (setgroups(0, NULL) < 0)
        return fail("clear supplementary groups");
    if (setresgid(gid, gid, gid) < 0)
        return fail("setresgid %u", gid);
    if (setresuid(uid, uid, uid) < 0)
        return fail("setresuid %u", uid);
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2] = {
        { .effective = (uint32_t)keep, .permitted = (uint32_t)keep, .inheritable = (uint32_t)keep },
        { .effective = (uint32_t)(keep >> 32), .permitted = (uint32_t)(keep >> 32),
          .inheritable = (uint32_t)(keep >> 32) },
    };
    if (syscall(SYS_capset, &hdr, data) < 0)
        return fail("set capabilities %#llx", (unsigned long long)keep);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return fail("clear ambient capabilities");
    /* A non-root uid keeps capabilities across exec only through the ambient set. */
    for (int cap = 0; uid != 0 && cap <= 63; cap++)
        if ((keep & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return fail("raise ambient capability %d", cap);
    return 0;
}

int set_rlimits(unsigned long nofile)
{
    struct rlimit files = { nofile, nofile };
    struct rlimit core = { 0, 0 };
    if (setrlimit(RLIMIT_NOFILE, &files) < 0)
        return fail("set RLIMIT_NOFILE %lu", nofile);
    if (setrlimit(RLIMIT_CORE, &core) < 0)
        return fail("set RLIMIT_CORE 0");
    return 0;
}

/* Every CLONE_NEW* flag (Docker's profile refuses clone when any is set). */
#define CLONE_NEW_ANY 0x7E020000ULL

static int allow_if(scmp_filter_ctx ctx, int nr, struct scmp_arg_cmp cmp)
{
    return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
}

/* The factory clones into new namespaces: the base filter allows clone with any flags, and the
 * run filter takes the CLONE_NEW* ones away again. */

/* The argument-checked rules of Docker's default profile, made stricter where a function has no
 * use for more: clone3 answered ENOSYS so libc falls back to clone (whose CLONE_NEW* flags the
 * run filter refuses), sockets only of the families a function needs (no AF_ALG, AF_VSOCK,
 * packet sockets), personality only to the harmless values, prlimit64 only on oneself. */
static int add_conditional_rules(scmp_filter_ctx ctx)
{
    const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
    const unsigned long personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    for (size_t i = 0; rc == 0 && i < sizeof families / sizeof *families; i++)
        rc = allow_if(ctx, SCMP_SYS(socket), SCMP_A0(SCMP_CMP_EQ, families[i]));
    for (size_t i = 0; rc == 0 && i < sizeof personas / sizeof *personas; i++)
        rc = allow_if(ctx, SCMP_SYS(personality), SCMP_A0(SCMP_CMP_EQ, personas[i]));
    /* prlimit64 on itself only (pid 0): a run as root could otherwise shrink init's limits. */
    if (rc == 0)
        rc = allow_if(ctx, SCMP_SYS(prlimit64), SCMP_A0(SCMP_CMP_EQ, 0));
    return rc;
}

/* What Flint's own set-up needs on top of what a run may do: the factory clones into new
 * namespaces, inits mount, pivot and name their sandbox, run processes build their root. */
static const char *const setup_only[] = {
    "mount", "umount2", "pivot_root", "unshare", "setns", "sethostname",
    "open_tree", "mount_setattr", "move_mount", NULL,
};

static int export_filter(scmp_filter_ctx ctx, struct sock_fprog *out)
{
    int fd = memfd_create("flint-seccomp", MFD_CLOEXEC);
    int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        errno = -rc;
        return fail("export seccomp filter");
    }
    off_t size = lseek(fd, 0, SEEK_END);
    struct sock_filter *prog = malloc(size);
    if (!prog || pread(fd, prog, size, 0) != size) {
        close(fd);
        return fail("read seccomp filter");
    }
    close(fd);
    out->len = size / sizeof *prog;
    out->filter = prog;
    return 0;
}

/*
 * Two filters, because attaching a large one is slow (the kernel emulates it for every syscall
 * number to build its cache: ~0.6 ms here) and must not be paid per run:
 *   base      the run allow-list plus setup_only, clone with any flags; installed once, on the
 *             factory, and inherited by every init and every run process;
 *   run       a small deny-list installed by each run process before it waits for the request:
 *             setup_only and clone with CLONE_NEW* flags refused. Stacked filters take the most
 *             restrictive answer, so a run gets exactly the run allow-list.
 */
int seccomp_build(struct sock_fprog *base, struct sock_fprog *run)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        return fail("seccomp_init");
    int rc = 0;
    for (const char *const *name = flint_seccomp_allowed; rc == 0 && *name; name++) {
        int nr = seccomp_syscall_resolve_name(*name);
        if (nr != __NR_SCMP_ERROR)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    for (const char *const *name = setup_only; rc == 0 && *name; name++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(*name), 0);
    if (rc == 0)
        rc = add_conditional_rules(ctx);
    if (rc != 0) {
        seccomp_release(ctx);
        errno = -rc;
        return fail("build base seccomp filter");
    }
    if (export_filter(ctx, base) < 0)
        return -1;

    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return fail("seccomp_init");
    for (const char *const *name = setup_only; rc == 0 && *name; name++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), seccomp_syscall_resolve_name(*name), 0);
    for (int bit = 0; rc == 0 && bit < 64; bit++) {
        unsigned long long flag = 1ULL << bit;
        if (flag & CLONE_NEW_ANY)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    }
    if (rc != 0) {
        seccomp_release(ctx);
        errno = -rc;
        return fail("build run seccomp filter");
    }
    return export_filter(ctx, run);
}
