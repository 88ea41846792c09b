package dev.flint.sandbox.internal;

import dev.flint.sandbox.SandboxException;
import dev.flint.sandbox.internal.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;

/**
 * The flint-init binary, copied once from the class path into a sealed memfd and started from
 * there: no host file that a sandbox could reach through /proc/PID/exe backs it, and nothing can
 * change it after the seal (the defence runc adopted after CVE-2019-5736).
 */
final class FlintInitBinary {
    private static final String RESOURCE = "native/flint-init";

    private FlintInitBinary() {
    }

    /** Returns the memfd; the caller owns it and starts the program as /proc/self/fd/N. */
    static int load(Syscalls sys) {
        byte[] bytes;
        try (InputStream in = FlintInitBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new SandboxException.HostUnsupported("flint-init is missing from the class path",
                        "build the project with ./mvnw package; it needs gcc, make and libseccomp-dev");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new SandboxException.Failed("cannot read flint-init from the class path", "rebuild the project", e);
        }
        return sys.sealedMemfd("flint-init", bytes);
    }
}
