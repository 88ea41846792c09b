/*
 * A run's memory use as its init reports it: after each run init reads its cgroup's peak memory
 * and OOM-kill count from files it opened at set-up, while it still saw the host's cgroup tree,
 * puts them in the DONE message and restarts the peak count once that message is sent and the run's
 * root is gone. The JVM reading the same files itself cost it more than the run (docs/sandbox.md).
 * On cgroup v2 a write to memory.peak (6.12+) restarts it for this descriptor only; before 5.19
 * the file is memory.current, which takes no writes.
 * Also the cgroup's task count, which tells init whether any process of the sandbox is left.
 */
#include "flint-init.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tasks_fd = -1;   /* pids.current: how many tasks the cgroup holds, or -1 */
static int peak_fd = -1;    /* peak memory (v1 memory.max_usage_in_bytes, v2 memory.peak), or -1 */
static int events_fd = -1;  /* the file with the "oom_kill N" line, or -1 */
static bool resettable;     /* the peak file takes writes: v1 always, v2 from 6.12 */

static void usage_close(void)
{
    if (peak_fd >= 0)
        close(peak_fd);
    if (events_fd >= 0)
        close(events_fd);
    peak_fd = events_fd = -1;
}

/* Best effort: without the memory files init reports nothing, and the JVM reads them itself;
 * without the task count init always signals every process (usage_alone). */
void usage_open(const struct config *cfg)
{
    if (cfg->pids_current)
        tasks_fd = open(cfg->pids_current, O_RDONLY | O_CLOEXEC);
    if (!cfg->memory_peak || !cfg->memory_events)
        return;
    peak_fd = open(cfg->memory_peak, O_RDWR | O_CLOEXEC);
    resettable = peak_fd >= 0;
    if (peak_fd < 0)
        peak_fd = open(cfg->memory_peak, O_RDONLY | O_CLOEXEC);
    events_fd = open(cfg->memory_events, O_RDONLY | O_CLOEXEC);
    if (peak_fd < 0 || events_fd < 0)
        usage_close();
}

int usage_fds(int fds[3])
{
    int n = 0;
    if (tasks_fd >= 0)
        fds[n++] = tasks_fd;
    if (peak_fd >= 0) {
        fds[n++] = peak_fd;
        fds[n++] = events_fd;
    }
    return n;
}

/* A control file's whole content: cgroupfs makes it afresh for each read from offset 0. */
static bool read_control(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return true;
}

/* "peak" and "oom_kills" (the cgroup's count since its creation), when both could be read. */
void usage_put(struct msg *out)
{
    char peak[32], events[512];
    if (peak_fd < 0 || !read_control(peak_fd, peak, sizeof peak) || !read_control(events_fd, events, sizeof events))
        return;
    const char *line = strncmp(events, "oom_kill ", 9) == 0 ? events : strstr(events, "\noom_kill ");
    if (!line)
        return;
    line += line == events ? 9 : 10;
    msg_put(out, "peak", "%llu", strtoull(peak, NULL, 10));
    msg_put(out, "oom_kills", "%llu", strtoull(line, NULL, 10));
}

/* Whether init is the only task in its cgroup, so in the sandbox: every process of it, a zygote's
 * copy included, is in the cgroup, and none can leave it. The kernel counts a task from before it
 * exists (fork) until it is reaped, so "1" means no process is left and none is being made. */
bool usage_alone(void)
{
    return usage_tasks() == 1;
}

/* The cgroup's task count, or -1 when it cannot be read. */
long usage_tasks(void)
{
    char count[32];
    return tasks_fd >= 0 && read_control(tasks_fd, count, sizeof count) ? (long)strtoul(count, NULL, 10) : -1;
}

/* The next run's peak starts from what is in use now. */
void usage_reset(void)
{
    if (resettable && pwrite(peak_fd, "0", 1, 0) < 0)
        resettable = false; /* the JVM sees a peak since creation, as it would itself */
}
