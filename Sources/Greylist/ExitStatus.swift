/// qmail's exit codes: 100 for bad input (a permanent problem), 111 for a system error (temporary).
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// Not an error: a question was answered "no" (cqgreylist-mkwhitelist --check).
    case no = 1
    case badInput = 100
    case systemError = 111
}
