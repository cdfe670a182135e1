// The process: descriptors 0-2, argv, exec, environment, clocks, signals, exit.
// The Interop*.swift files are the only ones that touch pointers.
import CSystem
import Greylist

/// Writes all of `text` to `fd`. Calls `write(2)`.
public func writeAll(_ text: String, to fd: CInt) throws(Errno) {
    var text = text
    let failure: Errno? = text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                offset += try valueOrErrno { unsafe write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            } catch {
                return error
            }
        }
        return nil
    }
    if let failure { throw failure }
}

/// Waits up to `milliseconds` for input on `fd`, then reads what is there: nil on timeout, 0 at end of input.
/// Calls `poll(2)`, `read(2)`.
public func readInput(from fd: CInt, into buffer: inout [UInt8], waitingAtMost milliseconds: Int64) throws(Errno) -> Int? {
    var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard try valueOrErrno({ unsafe poll(&request, 1, CInt(clamping: milliseconds)) }) > 0 else { return nil }
    return try valueOrErrno { unsafe buffer.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) } }
}

/// This process's argv as Strings made on demand, without building an array. Reads the argv the C library gave
/// the constructors (see CSystem's arguments.c; Embedded Swift has no `CommandLine`).
public struct ArgumentVector: RandomAccessCollection, Sendable {
    /// This process's argv.
    public init() {}
    /// The program name's index.
    public var startIndex: Int { 0 }
    /// argc.
    public var endIndex: Int { Int(cqgreylist_argc()) }
    /// argv[index] as a String (non-UTF-8 bytes become U+FFFD).
    public subscript(index: Int) -> String { unsafe String(cString: cqgreylist_argv()[index]!) }
}

/// Replaces this process with argv[index...] unchanged, inheriting environ. Returns only on failure. Calls `execvp(3)`.
public func replaceProcess(withProgramAt index: Int) -> Errno {
    let argv = unsafe cqgreylist_argv() + index
    unsafe execvp(argv[0]!, argv)
    return Errno(rawValue: cqgreylist_errno())
}

/// The value of an environment variable (non-UTF-8 bytes become U+FFFD); nil if unset. Calls `getenv(3)`.
public func environmentValue(_ name: String) -> String? {
    guard let value = unsafe getenv(name) else { return nil }
    return unsafe String(cString: value)
}

/// Ends the process with a qmail exit status. Calls `exit(3)`.
public func exit(_ status: ExitStatus) -> Never { CSystem.exit(status.rawValue) }

/// This process's id. Calls `getpid(2)`.
public func processID() -> Int32 { getpid() }

/// The wall clock, in whole seconds. Calls `clock_gettime(2)` with `CLOCK_REALTIME`.
public func currentTime() -> Timestamp { Timestamp(clockNanoseconds(CLOCK_REALTIME) / 1_000_000_000) }

/// A clock that never jumps, in milliseconds. Calls `clock_gettime(2)` with `CLOCK_MONOTONIC`.
public func monotonicMilliseconds() -> Int64 { clockNanoseconds(CLOCK_MONOTONIC) / 1_000_000 }

private func clockNanoseconds(_ clock: clockid_t) -> Int64 {
    var time = timespec()
    unsafe clock_gettime(clock, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// Makes a write to a vanished client fail with EPIPE instead of killing us. Calls `sigaction(2)`.
public func ignoreBrokenPipe() {
    var ignore = sigaction()
    unsafe cqgreylist_set_ignored(&ignore)
    unsafe sigaction(SIGPIPE, &ignore, nil)
}

/// Ends the process after `seconds` whatever it is doing. Calls `alarm(2)`.
public func scheduleAlarm(after seconds: Seconds) { alarm(UInt32(clamping: seconds)) }


/// Puts `/dev/null`, close-on-exec, in the place of each of descriptors 0, 1 and 2 that is closed, so that
/// nothing this process opens lands there (a record or the whitelist written to as if it were stderr), while
/// the next program still finds them closed. Calls `poll(2)`, `open(2)`.
public func coverClosedStandardDescriptors() {
    var descriptors = (pollfd(fd: 0, events: 0, revents: 0), pollfd(fd: 1, events: 0, revents: 0), pollfd(fd: 2, events: 0, revents: 0))
    let ready = unsafe withUnsafeMutableBytes(of: &descriptors) { unsafe poll($0.baseAddress!.assumingMemoryBound(to: pollfd.self), 3, 0) }
    guard ready > 0 else { return }
    for closed in [descriptors.0, descriptors.1, descriptors.2] where closed.revents & Int16(POLLNVAL) != 0 {
        _ = unsafe cqgreylist_open("/dev/null", O_RDWR | O_CLOEXEC, 0)   // the lowest free descriptor: the closed one
    }
}

/// Writes all of `text` to `fd`, with SIGPIPE ignored for the write alone: a reader that has gone away makes
/// it fail with EPIPE instead of killing the process, and the disposition this process was given (which the
/// next program inherits) is put back. A SIGPIPE left pending because it was blocked (an ignored signal that is
/// blocked is still queued) is discarded by ignoring it once more, so it cannot reach the next program.
/// Calls `sigaction(2)`, `write(2)`.
public func writeAllWithoutSIGPIPE(_ text: String, to fd: CInt) throws(Errno) {
    var ignore = sigaction(), inherited = sigaction()
    unsafe cqgreylist_set_ignored(&ignore)
    unsafe sigaction(SIGPIPE, &ignore, &inherited)
    defer { unsafe sigaction(SIGPIPE, &inherited, nil) }
    do {
        try writeAll(text, to: fd)
    } catch {
        if error.rawValue == EPIPE { unsafe sigaction(SIGPIPE, &ignore, nil) }   // setting SIG_IGN discards a pending one
        throw error
    }
}

/// A timer that kills this process (SIGKILL, which no wait in the kernel can hold off but an uninterruptible
/// one) unless cancelled first; exec cancels it too.
///
/// The timer's id is kept as its bits: glibc's `timer_t` for a process's first timer is id 0, a null pointer, and
/// must be deleted all the same. That also makes it immutable and `Sendable`, so that main.swift can hold it in a
/// global `let` (Embedded Swift has no main actor to isolate a global `var`).
public struct KillTimer: Sendable {
    private let timerBits: UInt?

    /// Arms the timer to fire `seconds` from now; a timer that cannot be made is no timer. Calls `timer_create(2)`,
    /// `timer_settime(2)`.
    public init(seconds: Seconds) {
        var event = unsafe sigevent()
        unsafe event.sigev_notify = CInt(SIGEV_SIGNAL)
        unsafe event.sigev_signo = SIGKILL
        var timer: timer_t?
        guard unsafe timer_create(CLOCK_MONOTONIC, &event, &timer) == 0 else { timerBits = nil; return }
        var due = itimerspec(it_interval: timespec(), it_value: timespec(tv_sec: Int(seconds), tv_nsec: 0))
        unsafe timer_settime(timer, 0, &due, nil)
        timerBits = UInt(bitPattern: timer)
    }

    /// Disarms and deletes the timer; call it once. Calls `timer_delete(2)`.
    public func cancel() {
        if let timerBits { unsafe timer_delete(timer_t(bitPattern: timerBits)) }
    }
}
