/* The wire format shared with the JVM: op byte, NUL-terminated key=value fields, SCM_RIGHTS fds. */
#include "flint-init.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

char g_err[ERR_MAX];

int fail(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    if (saved && n > 0 && (size_t)n < sizeof g_err)
        snprintf(g_err + n, sizeof g_err - n, ": %s", strerror(saved));
    errno = saved;
    return -1;
}

void msg_start(struct msg *m, char op)
{
    m->buf[0] = op;
    m->len = 1;
    m->nfds = 0;
}

void msg_put(struct msg *m, const char *key, const char *fmt, ...)
{
    size_t room = sizeof m->buf - m->len;
    int n = snprintf(m->buf + m->len, room, "%s=", key);
    if (n < 0 || (size_t)n >= room)
        return;
    va_list ap;
    va_start(ap, fmt);
    int v = vsnprintf(m->buf + m->len + n, room - n, fmt, ap);
    va_end(ap);
    if (v < 0 || (size_t)(n + v) >= room)
        return; /* does not fit: dropped whole, never half-written */
    m->len += n + v + 1;
}

int msg_send(int sock, const struct msg *m)
{
    struct iovec iov = { .iov_base = (void *)m->buf, .iov_len = m->len };
    union {
        char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct msghdr hdr = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (m->nfds > 0) {
        memset(&control, 0, sizeof control);
        hdr.msg_control = control.buf;
        hdr.msg_controllen = CMSG_SPACE(sizeof(int) * m->nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&hdr);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * m->nfds);
        memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->nfds);
    }
    ssize_t n;
    do
        n = sendmsg(sock, &hdr, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

ssize_t msg_recv(int sock, struct msg *m)
{
    struct iovec iov = { .iov_base = m->buf, .iov_len = sizeof m->buf - 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct msghdr hdr = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };
    ssize_t n;
    do
        n = recvmsg(sock, &hdr, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    m->nfds = 0;
    if (n <= 0) {
        m->len = 0;
        return n;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&hdr); c; c = CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *fds = (int *)CMSG_DATA(c);
        for (int i = 0; i < count; i++) {
            if (m->nfds < MSG_MAX_FDS)
                m->fds[m->nfds++] = fds[i];
            else
                close(fds[i]);
        }
    }
    if (hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        msg_close_fds(m);
        errno = EMSGSIZE;
        return -1;
    }
    m->len = n;
    m->buf[n] = '\0'; /* a final field without its NUL still ends */
    return n;
}

/* The value of the first field named key after position `after` (NULL: from the start). */
const char *msg_next(const struct msg *m, const char *key, const char *after)
{
    size_t klen = strlen(key);
    const char *p = after ? after + strlen(after) + 1 : m->buf + 1;
    const char *end = m->buf + m->len;
    while (p < end) {
        const char *field = p;
        p += strnlen(p, end - p) + 1;
        if (strncmp(field, key, klen) == 0 && field[klen] == '=')
            return field + klen + 1;
    }
    return NULL;
}

const char *msg_get(const struct msg *m, const char *key)
{
    return msg_next(m, key, NULL);
}

void msg_close_fds(struct msg *m)
{
    for (int i = 0; i < m->nfds; i++)
        close(m->fds[i]);
    m->nfds = 0;
}

int send_error(int sock, const char *error)
{
    struct msg *m = &(struct msg){0};
    msg_start(m, OP_ERROR);
    msg_put(m, "error", "%s", error);
    return msg_send(sock, m);
}

char **msg_collect(const struct msg *m, const char *key, int max, int *count)
{
    int n = 0;
    for (const char *v = msg_get(m, key); v; v = msg_next(m, key, v))
        n++;
    if (n > max)
        return NULL;
    char **list = calloc(n + 1, sizeof *list);
    if (!list)
        return NULL;
    int i = 0;
    for (const char *v = msg_get(m, key); v; v = msg_next(m, key, v))
        list[i++] = (char *)v;
    if (count)
        *count = n;
    return list;
}
