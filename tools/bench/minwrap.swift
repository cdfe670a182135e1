// The floor for the wrapper in Embedded Swift, for the benchmark only: what minwrap.c does (getenv, one stat of the
// record, execve), built as tools/build-embedded builds cqgreylist.
import CSystem

/// Execs argv[1...] if the record DIR/<first octet>/<address> is not empty; exits 0 if it is, 100 on bad input.
func passKnownSender() -> Never {
    guard cqgreylist_argc() >= 2, let argv = cqgreylist_argv(), let address = getenv("TCPREMOTEIP"),
          let directory = getenv("CQGREYLIST_DIR") else { exit(100) }
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { path in
        var length = 0
        func append(_ text: UnsafePointer<CChar>, count: Int) {
            let count = min(count, path.count - 1 - length)
            (path.baseAddress! + length).update(from: text, count: count)
            length += count
        }
        append(directory, count: strlen(directory))
        append("/", count: 1)
        append(address, count: strcspn(address, "."))
        append("/", count: 1)
        append(address, count: strlen(address))
        path[length] = 0
        var record = stat()
        if stat(path.baseAddress!, &record) == 0 && record.st_size > 0 {
            execv(argv[1]!, argv + 1)
            exit(111)
        }
    }
    exit(0)
}

passKnownSender()
