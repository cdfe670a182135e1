// cqgreylist-report: reads the wrapper's log and tells what greylisting did, and what it cost the senders that passed.
import ArgumentParser
import Dispatch
import FoundationEssentials
import Greylist
import GreylistAdmin
import GreylistSystem
import GreylistTools
import Synchronization

struct Report: QmailCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqgreylist-report",
        abstract: "Report on cqgreylist's log: connections by outcome, the clients greylisting kept out, the delay it cost.",
        // The options are listed below it: all of them in the usage line would run past 100 columns.
        usage: "cqgreylist-report [<options>] [<FILE> ...]",
        discussion: """
            Reads the wrapper's log lines, with or without multilog's @ timestamps, from each FILE in turn (a directory \
            is read as multilog's: its rotated @*.s and @*.u files in order, then current), or from standard input. \
            Lines of other programs (tcpserver's) are skipped; lines of cqgreylist that cannot be read are named \
            on stderr and skipped. Prints connections by action and reason; the distinct clients greylisted, how \
            many came back and passed (a retried or known line timed at or after the greylisting, or following it when \
            untimed: give untimed files oldest first), and how many never did; the delay the passed ones paid (the age of their \
            retried record): median, 90th and 99th percentile, maximum and a histogram; the clients that retried \
            too early most often; the connections each whitelist entry passed (with --whitelist, also the entries of those \
            sources, parsed as cqgreylist-mkwhitelist parses them, that passed nobody); store errors and warnings. \
            With --what-if-delay, from the ages of the early and retried lines: what the clients a retry passed would have \
            paid with that delay, and how many clients no retry passed would have passed; for a delay longer than the one \
            in force the log holds only lower bounds, marked >=. Memory grows with the distinct client keys, about 50 bytes \
            each, whether a large file is read by several threads or in one pass (as standard input is). Exit status: 0 done, \
            100 usage error, 111 if a file could not be read or the metrics could not be written.
            """,
        version: "cqgreylist-report \(cqgreylistVersion)")

    @Argument(help: ArgumentHelp("Read the log from FILE (a multilog directory, or - for standard input; default: standard input).",
                                 valueName: "FILE"), completion: .file())
    var files: [String] = []

    @Option(help: ArgumentHelp("Count only lines timed at or after TIME: YYYY-MM-DD[ HH:MM[:SS]] in UTC, or a duration back from now like 7d.",
                               valueName: "TIME"))
    var since: String?

    @Option(help: ArgumentHelp("Count only lines timed at or before TIME (as --since).", valueName: "TIME"))
    var until: String?

    @Option(help: ArgumentHelp("Count clients greylisted within TIME of the last line as still able to retry (default 1d, or CQGREYLIST_WINDOW).",
                               valueName: "TIME"))
    var window: String?

    @Option(help: ArgumentHelp("List the N clients, whitelist entries and kinds of error most frequent.", valueName: "N"))
    var top = 10

    @Option(help: ArgumentHelp("Also list the entries of the whitelist source FILE that passed nobody (repeat for several).",
                               valueName: "FILE"), completion: .file())
    var whitelist: [String] = []

    @Option(name: .customLong("what-if-delay"),
            help: ArgumentHelp("Also tell what a delay of TIME would have done, from the ages logged (repeat: up to 8 delays).",
                               valueName: "TIME"))
    var whatIfDelays: [String] = []

    @Option(help: ArgumentHelp("Take the log as written under a delay of TIME, for --what-if-delay (default 5m; CQGREYLIST_DELAY, if set, wins).",
                               valueName: "TIME"))
    var delay: String?

    @Option(help: ArgumentHelp("Also write the report to FILE as Prometheus metrics.", valueName: "FILE"), completion: .file())
    var prometheus: String?

    @Flag(name: [.short, .long], help: "Print no report, only problems (with --prometheus, for cron).")
    var quiet = false

    /// Unreadable lines named on stderr at most; the rest are counted.
    static let reportedProblems = 100

    func validate() throws {
        guard top >= 0 else { throw ValidationError("bad --top value \(top): must be 0 or more") }
        guard whatIfDelays.count <= DelayWhatIf.maximumDelays else {
            throw ValidationError("too many --what-if-delay values: at most \(DelayWhatIf.maximumDelays)")
        }
        for value in whatIfDelays where (Settings.parseDuration(value) ?? 0) < 1 {
            throw ValidationError("bad --what-if-delay value \(LogLine.quoted(value)): not a duration of 1s or more like 60, 90s, 2m or 1h")
        }
        guard delay == nil || !whatIfDelays.isEmpty else { throw ValidationError("--delay is for --what-if-delay") }
    }

    func execute() -> ExitStatus {
        let now = currentTime()
        var bounds: [Timestamp?] = []
        for (option, value) in [("--since", since), ("--until", until)] {
            guard let value else { bounds.append(nil); continue }
            guard let time = UTCTime.parse(value, now: now) else {
                return fatal("bad \(option) value \(LogLine.quoted(value)): not a time like 2026-11-30, 2026-11-30 06:00 or 7d", .badInput)
            }
            bounds.append(time)
        }
        let settings: Settings
        do {
            // The delay only for the what-if: a bad CQGREYLIST_DELAY must not stop the plain report.
            settings = try Settings(strictly: whatIfDelays.isEmpty ? [.window] : [.window, .delay],
                                    options: (window.map { [SettingValue(.window, $0)] } ?? []) + (delay.map { [SettingValue(.delay, $0)] } ?? []),
                                    environment: Environment(lookup: environmentValue))
        } catch {
            return fatal(error.problems.joined(separator: "; "), .badInput)
        }
        var listing: WhitelistListing?
        if !whitelist.isEmpty {
            var read = WhitelistListing()
            for path in whitelist {
                do {
                    var lines = try WhitelistLines(.file(path))
                    while let (line, number) = try lines.next() { read.add(line, number: number, source: path) }
                } catch {
                    return fatal("unable to \(error)", .systemError)
                }
                if let problem = read.problem { return fatal(problem, .badInput) }
            }
            listing = read
        }

        let whatIf = whatIfDelays.isEmpty ? nil : DelayWhatIf(delays: whatIfDelays.compactMap { Settings.parseDuration($0) },
                                                              delayInForce: settings.policy.delay)
        var report = LogReport(since: bounds[0], until: bounds[1], window: settings.policy.window, whatIf: whatIf)
        report.reserveClients(Self.clientsReserved)
        var unreadable = UnreadableLines()
        let readAll = read(into: &report, unreadable: &unreadable)
        report.finish()
        unreadable.sayHowManyMore()
        if !quiet {
            for line in report.text(top: top, whitelist: listing) { print(line) }
        }
        if let prometheus, !writeMetrics(report.metrics, to: prometheus) { return .systemError }
        return readAll ? .ok : .systemError
    }

    /// Reads every input into `report`, in order, naming its unreadable lines as they come; false if an input could
    /// not be read (said on stderr).
    func read(into report: inout LogReport, unreadable: inout UnreadableLines) -> Bool {
        var readAll = true
        func sayFailure(_ error: Errno, file: String) {
            logToStandardError("cqgreylist-report: unable to read \(LogLine.escaped(file, limit: 4096)): \(error)\n")
            readAll = false
        }
        for input in inputs() {
            let name = input ?? "-"
            let threads = input.map { Self.threadCount(forFileAt: $0) } ?? 1
            if threads == 1 {
                do {
                    var buffer: [UInt8] = []
                    try forEachLine(ofFileAt: input, limit: LogReport.maximumLineLength, buffer: &buffer) { line, number in
                        guard let problem = report.add(line: line) else { return }
                        unreadable.say(problem, file: name, number: number, text: Self.excerpt(line))
                    }
                } catch {
                    sayFailure(error, file: name)
                }
                continue
            }
            var linesBefore = 0
            do {
                try Self.read(name, threads: threads, into: &report) { part in
                    if let error = part.error { sayFailure(error, file: name) }
                    for (number, problem, text) in part.problems { unreadable.say(problem, file: name, number: linesBefore + number, text: text) }
                    unreadable.count(part.report.unreadableLines - part.problems.count)
                    linesBefore += part.report.lines
                }
            } catch {
                sayFailure(error, file: name)
            }
        }
        return readAll
    }

    /// The unreadable lines met: the first `reportedProblems` named on stderr, the rest counted.
    struct UnreadableLines {
        private var total = 0

        /// Names the unreadable line `number` of `file` on stderr, if not too many were named already.
        mutating func say(_ problem: UnreadableLogLine, file: String, number: Int, text: String) {
            total += 1
            guard total <= Report.reportedProblems else { return }
            logToStandardError("\(LogLine.escaped(file, limit: 4096)):\(number): unreadable (\(problem.problem)): \(text)\n")
        }

        /// Counts `more` unreadable lines without naming them (a part's beyond those it kept).
        mutating func count(_ more: Int) { total += more }

        /// Says how many were not named, if any.
        func sayHowManyMore() {
            guard total > Report.reportedProblems else { return }
            logToStandardError("cqgreylist-report: ... and \(total - Report.reportedProblems) more unreadable lines\n")
        }
    }

    /// Room made for clients up front (a few MB): a busy server's day, without growing step by step.
    static let clientsReserved = 1 << 16

    /// A big file is read by as many threads as there are processors (up to 4), with at least this much each.
    static let partMinimum: Int64 = 32 << 20

    /// How many threads read the file at `path`: 1 unless it is a regular file of several `partMinimum`.
    static func threadCount(forFileAt path: String) -> Int {
        guard let size = regularFileSize(atPath: path) else { return 1 }
        return Int(max(1, min(Int64(min(ProcessInfo.processInfo.activeProcessorCount, 4)), size / partMinimum)))
    }

    /// The start of an unreadable line, escaped, for a message.
    static func excerpt(_ line: Span<UInt8>) -> String {
        LogLine.escaped(LogLine.text(in: line, 0..<min(line.count, 200)), keepingSpaces: true)
    }

    /// The files to read in order, nil for standard input: a directory's rotated multilog files (`@….s`, `@….u`,
    /// in name order, which is time order), then its `current`.
    func inputs() -> [String?] {
        if files.isEmpty { return [nil] }
        var list: [String?] = []
        for file in files {
            if file == "-" { list.append(nil); continue }
            var isDirectory = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory else {
                list.append(file)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: file)) ?? []
            let rotated = names.filter { $0.hasPrefix("@") && ($0.hasSuffix(".s") || $0.hasSuffix(".u")) }.sorted()
            list += (rotated + (names.contains("current") ? ["current"] : [])).map { file + "/" + $0 }
            if rotated.isEmpty && !names.contains("current") {
                logToStandardError("cqgreylist-report: warning: \(LogLine.escaped(file, limit: 4096)) holds no multilog files\n")
            }
        }
        return list
    }
}

@main
enum Main {
    static func main() { Report.runWithQmailExitCodes() }
}
