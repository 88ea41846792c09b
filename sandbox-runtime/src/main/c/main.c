/* flint-init entry point. The JVM starts it once per runtime as "flint-init factory" with the
 * control socket on fd 3; inits are clones of the factory, so no host binary is exec'd again. */
#include "flint-init.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

#define CTL_FD 3

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "factory") != 0) {
        fprintf(stderr, "usage: flint-init factory (started by the Flint runtime, fd 3 = control socket)\n");
        return 2;
    }
    /* Nothing from the JVM but the control socket and stderr (kept for fatal diagnostics). */
    syscall(SYS_close_range, CTL_FD + 1, ~0U, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        close(null);
    }
    return factory_main(CTL_FD);
}
