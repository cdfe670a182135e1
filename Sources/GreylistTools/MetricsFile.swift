import Greylist
import GreylistSystem

/// Writes `metrics` to `path` atomically (a temp file beside it, fsync, rename), so node_exporter's textfile
/// collector never reads half a file; reports a failure on stderr as `program: fatal: …` and returns false.
public func writeMetrics(_ metrics: PrometheusText, to path: String, program: String) -> Bool {
    do {
        try writeFileAtomically(atPath: path) { (fd) throws(Errno) in
            try writeAll(metrics.text, to: fd)
            return true
        }
        return true
    } catch {
        logToStandardError("\(program): fatal: unable to write metrics: \(error)\n")
        return false
    }
}
