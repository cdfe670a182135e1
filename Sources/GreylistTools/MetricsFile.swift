import Greylist
import GreylistAdmin
import GreylistSystem

extension QmailCommand {
    /// Writes `metrics` to `path` atomically (a temp file beside it, fsync, rename), so node_exporter's textfile
    /// collector never reads half a file; a failure is reported as the program's fatal error, and false returned.
    public func writeMetrics(_ metrics: PrometheusText, to path: String) -> Bool {
        do {
            try writeFileAtomically(atPath: path) { (fd) throws(Errno) in
                try writeAll(metrics.text, to: fd)
                return true
            }
            return true
        } catch {
            _ = fatal("unable to write metrics: \(error)", .systemError)
            return false
        }
    }
}
