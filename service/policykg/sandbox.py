"""Query processes cannot reach the network: a seccomp filter, enforced by the kernel.

`forbid_network()` is the first thing a query worker does. It installs a seccomp BPF filter
(prctl PR_SET_NO_NEW_PRIVS, then seccomp(2) SECCOMP_SET_MODE_FILTER with TSYNC, so every
thread of the process is bound) under which
- `socket()` for any family but AF_UNIX fails with EACCES: no TCP, UDP, raw, netlink or other
  socket can be made, whatever the query asks (pyoxigraph's own HTTP client for SERVICE calls
  `socket()` like any other program);
- `io_uring_setup()` fails with EPERM (io_uring can open sockets without the `socket` call);
- a system call made through another ABI (x32, or 32-bit compatibility on x86_64) kills the
  process, since its numbers differ and the filter does not read them.
Everything else is allowed, so the pipe the worker inherited (an AF_UNIX socket) and the store
files keep working. A filter cannot be removed, and every process the worker starts inherits it.

seccomp needs no privilege (only no_new_privs), so it works the same for root and for any
user, in a container or not. Handled: x86_64 and aarch64. On another machine, or a kernel
without seccomp, the worker refuses to start, unless POLICYKG_SANDBOX=off says to run
without it.

Two more bounds for a query process live here, installed in the same place:
`die_with_parent()` (the kernel kills the process when the web worker that started it dies,
even mid-query) and `limit_memory()` (an address-space limit, so one query cannot take the
host's memory: an allocation past it fails and the process ends).
"""

import ctypes
import errno
import os
import platform
import resource
import signal
import struct

# <linux/audit.h>, <asm/unistd.h>: the architecture the filter checks and its system calls.
ARCHES = {
    "x86_64": {"audit": 0xC000003E, "socket": 41, "io_uring_setup": 425, "seccomp": 317},
    "aarch64": {"audit": 0xC00000B7, "socket": 198, "io_uring_setup": 425, "seccomp": 277},
}
X32_SYSCALL_BIT = 0x40000000
AF_UNIX = 1

PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

# Classic BPF opcodes and the offsets of struct seccomp_data (nr, arch, ip, args[6]).
LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
RET_K = 0x06
NR, ARCH, ARG0 = 0, 4, 16  # args are little-endian u64 on both arches: the low half comes first


class SandboxError(RuntimeError):
    """The filter could not be installed: the worker must not run."""


def _instruction(code, k, jt=0, jf=0):
    return struct.pack("=HBBI", code, jt, jf, k)


def program(arch):
    """The filter for `arch` (a key of ARCHES), as the bytes of a struct sock_filter array."""
    numbers = ARCHES[arch]
    allow, deny_socket = SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | errno.EACCES
    steps = [
        (LD_W_ABS, ARCH),
        (JEQ_K, numbers["audit"], 1, 0),  # another ABI: kill
        (RET_K, SECCOMP_RET_KILL_PROCESS),
        (LD_W_ABS, NR),
        (JGE_K, X32_SYSCALL_BIT, 0, 1),  # x32 calls on x86_64 (no such numbers on aarch64)
        (RET_K, SECCOMP_RET_KILL_PROCESS),
        (JEQ_K, numbers["io_uring_setup"], 0, 1),
        (RET_K, SECCOMP_RET_ERRNO | errno.EPERM),
        (JEQ_K, numbers["socket"], 1, 0),
        (RET_K, allow),
        (LD_W_ABS, ARG0),  # socket(family, …)
        (JEQ_K, AF_UNIX, 0, 1),
        (RET_K, allow),
        (RET_K, deny_socket),
    ]
    return b"".join(_instruction(*step) for step in steps)


def forbid_network():
    """Install the filter in this process, or raise SandboxError (unless POLICYKG_SANDBOX=off)."""
    if os.environ.get("POLICYKG_SANDBOX", "on") == "off":
        return False
    arch = platform.machine()
    if platform.system() != "Linux" or arch not in ARCHES:
        raise SandboxError(
            f"查询进程无法隔离网络：不支持 {platform.system()} {arch} "
            "(no network sandbox for this machine; set POLICYKG_SANDBOX=off to run without it)"
        )
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail("prctl(PR_SET_NO_NEW_PRIVS)")
    code = program(arch)
    filters = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(code) // 8, ctypes.addressof(filters))
    libc.syscall.restype = ctypes.c_long
    done = libc.syscall(
        ctypes.c_long(ARCHES[arch]["seccomp"]),
        ctypes.c_long(SECCOMP_SET_MODE_FILTER),
        ctypes.c_long(SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    if done != 0:
        _fail("seccomp(SECCOMP_SET_MODE_FILTER)")
    return True


def _fail(call):
    number = ctypes.get_errno()
    raise SandboxError(
        f"查询进程无法隔离网络：{call} 失败 (cannot install the network sandbox: {os.strerror(number)}; "
        "set POLICYKG_SANDBOX=off to run without it)"
    )


def die_with_parent(parent):
    """Be killed (SIGKILL) when the thread that started this process ends; `parent` is the pid
    that started it, and if it is gone already (before the request took effect) exit now.
    The pool starts its workers from one thread that lives as long as the pool."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_PDEATHSIG): {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent:
        os._exit(1)


def limit_memory(megabytes):
    """Limit this process's address space to `megabytes` (0: no limit)."""
    if megabytes > 0:
        size = int(megabytes) << 20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
