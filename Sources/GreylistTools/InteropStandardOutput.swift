// The administrator's tools' standard descriptors: `print` writes through the C library's buffered stdout, whose
// write errors (a full disk, a closed descriptor) show only when it is flushed. Not on the wrapper's path.
// The Interop*.swift files are the only ones that touch pointers.
import CSystem
import Greylist
import GreylistAdmin
import GreylistSystem

/// Puts a descriptor that fails every transfer in place of each of 0, 1 and 2 that is closed (stdin one open
/// for writing only, stdout and stderr for reading only, on /dev/null), so that a file the program opens never
/// becomes its standard output, and writing to a closed stdout still fails (EBADF). Calls `fcntl(2)`, `open(2)`.
public func reserveClosedStandardDescriptors() {
    for fd: CInt in 0...2 where cqgreylist_fcntl_int(fd, F_GETFD, 0) < 0 && cqgreylist_errno() == EBADF {
        let opened = unsafe cqgreylist_open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC, 0)
        if opened >= 0 && opened != fd { close(opened) }   // a lower one was free after all: leave things as they were
        if opened == fd { _ = cqgreylist_fcntl_int(fd, F_SETFD, 0) }
    }
}

/// Flushes standard output (what `print` wrote); the error if that or an earlier write to it failed.
/// Calls `fflush(3)`, `ferror(3)`.
public func flushStandardOutput() -> Errno? {
    let output = unsafe cqgreylist_stdout()
    if unsafe fflush(output) != 0 { return Errno(rawValue: cqgreylist_errno()) }
    if unsafe ferror(output) != 0 { return Errno(rawValue: EIO) }
    return nil
}
