// The process: descriptors 0-2, argv, exec, environment, clocks, signals, exit.
// The Interop*.swift files are the only ones that touch pointers.
import Glibc
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

/// This process's argv as Strings made on demand, without building an array. Reads `CommandLine.unsafeArgv`.
public struct ArgumentVector: RandomAccessCollection, Sendable {
    /// This process's argv.
    public init() {}
    /// The program name's index.
    public var startIndex: Int { 0 }
    /// argc.
    public var endIndex: Int { Int(CommandLine.argc) }
    /// argv[index] as a String (non-UTF-8 bytes become U+FFFD).
    public subscript(index: Int) -> String { unsafe String(cString: CommandLine.unsafeArgv[index]!) }
}

/// Replaces this process with argv[index...] unchanged, inheriting environ. Returns only on failure. Calls `execvp(3)`.
public func replaceProcess(withProgramAt index: Int) -> Errno {
    let argv = unsafe CommandLine.unsafeArgv + index
    unsafe execvp(argv[0]!, argv)
    return Errno(rawValue: errno)
}

/// The value of an environment variable (non-UTF-8 bytes become U+FFFD); nil if unset. Calls `getenv(3)`.
public func environmentValue(_ name: String) -> String? {
    guard let value = unsafe getenv(name) else { return nil }
    return unsafe String(cString: value)
}

/// Ends the process with a qmail exit status. Calls `exit(3)`.
public func exit(_ status: ExitStatus) -> Never { Glibc.exit(status.rawValue) }

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

/// Makes a write to a vanished client fail with EPIPE instead of killing us. Calls `signal(2)`.
public func ignoreBrokenPipe() { _ = signal(SIGPIPE, SIG_IGN) }

/// Ends the process after `seconds` whatever it is doing. Calls `alarm(2)`.
public func scheduleAlarm(after seconds: Seconds) { alarm(UInt32(clamping: seconds)) }

