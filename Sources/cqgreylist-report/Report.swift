// cqgreylist-report: reads the wrapper's log and tells what greylisting did, and what it cost the senders that passed.
import ArgumentParser
import FoundationEssentials
import Greylist
import GreylistSystem
import GreylistTools

struct Report: QmailCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqgreylist-report",
        abstract: "Report on cqgreylist's log: connections by outcome, the clients greylisting kept out, the delay it cost.",
        discussion: """
            Reads the wrapper's log lines, with or without multilog's @ timestamps, from each FILE in turn (a directory \
            is read as multilog's: its rotated @*.s and @*.u files in order, then current), or from standard input. \
            Lines of other programs (tcpserver's) are skipped; lines of cqgreylist that cannot be read are named \
            on stderr and skipped. Prints connections by action and reason; the distinct clients greylisted, how \
            many came back and passed, and how many never did; the delay the passed ones paid (the age of their \
            retried record): median, 90th and 99th percentile, maximum and a histogram; the clients that retried \
            too early most often; store errors and warnings. Exit status: 0 done, 100 usage error, 111 if a file \
            could not be read or the metrics could not be written.
            """)

    @Argument(help: ArgumentHelp("Read the log from FILE (a multilog directory, or - for standard input; default: standard input).",
                                 valueName: "FILE"))
    var files: [String] = []

    @Option(help: ArgumentHelp("Count only lines timed at or after TIME: YYYY-MM-DD[ HH:MM[:SS]] in UTC, or a duration back from now like 7d.",
                               valueName: "TIME"))
    var since: String?

    @Option(help: ArgumentHelp("Count only lines timed at or before TIME (as --since).", valueName: "TIME"))
    var until: String?

    @Option(help: ArgumentHelp("Count clients greylisted within TIME of the last line as still able to retry (default 1d, or CQGREYLIST_WINDOW).",
                               valueName: "TIME"))
    var window: String?

    @Option(help: ArgumentHelp("List the N clients and kinds of error most frequent (default 10).", valueName: "N"))
    var top = 10

    @Option(help: ArgumentHelp("Also write the report to FILE as Prometheus metrics.", valueName: "FILE"))
    var prometheus: String?

    @Flag(name: [.short, .long], help: "Print no report, only problems (with --prometheus, for cron).")
    var quiet = false

    /// Unreadable lines named on stderr at most; the rest are counted.
    static let reportedProblems = 100

    func validate() throws {
        guard top >= 0 else { throw ValidationError("bad --top value \(top): must be 0 or more") }
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
            settings = try Settings(strictly: [.window], options: window.map { [SettingValue(.window, $0)] } ?? [],
                                    environment: Environment(lookup: environmentValue))
        } catch {
            return fatal(error.problems.joined(separator: "; "), .badInput)
        }

        var report = LogReport(since: bounds[0], until: bounds[1], window: settings.policy.window)
        var problems = 0, failed = false
        for input in inputs() {
            var splitter = LineSplitter(limit: LogReport.maximumLineLength)
            let name = input ?? "-"
            func take(_ line: ArraySlice<UInt8>, _ number: Int) {
                let problem = report.add(line: line)
                guard let problem else { return }
                problems += 1
                if problems <= Self.reportedProblems {
                    let text = LogLine.escaped(bytes: line.prefix(LogReport.maximumLineLength), keepingSpaces: true)
                    logToStandardError("\(LogLine.escaped(name, limit: 4096)):\(number): unreadable (\(problem.problem)): \(text)\n")
                }
            }
            do {
                try forEachChunk(ofFileAt: input) { chunk in splitter.split(chunk, take) }
                splitter.finish(take)
            } catch {
                logToStandardError("cqgreylist-report: unable to read \(LogLine.escaped(name, limit: 4096)): \(error)\n")
                failed = true
            }
        }
        if problems > Self.reportedProblems {
            logToStandardError("cqgreylist-report: ... and \(problems - Self.reportedProblems) more unreadable lines\n")
        }
        if !quiet {
            for line in report.text(top: top) { print(line) }
        }
        if let prometheus, !writeMetrics(report.metrics, to: prometheus, program: "cqgreylist-report") { return .systemError }
        return failed ? .systemError : .ok
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

func fatal(_ text: String, _ status: ExitStatus) -> ExitStatus {
    logToStandardError("cqgreylist-report: fatal: \(text)\n")
    return status
}

@main
enum Main {
    static func main() { Report.runWithQmailExitCodes() }
}
