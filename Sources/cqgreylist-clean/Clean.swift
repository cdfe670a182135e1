// cqgreylist-clean: expires old records from the state directory (from cron), or reports on them.
import ArgumentParser
import Greylist
import GreylistSystem
import GreylistTools

struct Clean: QmailCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqgreylist-clean",
        abstract: "Remove expired records from cqgreylist's state directory, or report on them.",
        discussion: """
            Removes pending records older than the retry window and passed records not seen within the lifetime, \
            each by more than an hour (so no wrapper deciding at that moment can be passing a record it removes). \
            Settings and defaults are the wrapper's, from options or the same CQGREYLIST_* variables (which win). \
            Files that are not records are reported and left alone; symlinks are never followed. Prints one \
            summary line. Exit status: 0 done, 100 usage error, 111 if any file could not be read or removed.
            """)

    @Option(help: ArgumentHelp("Clean the records in DIR (default \(Settings.defaults.directory)).", valueName: "DIR"))
    var dir: String?

    @Option(help: ArgumentHelp("Remove pending records older than TIME (default 1d).", valueName: "TIME"))
    var window: String?

    @Option(help: ArgumentHelp("Remove passed records not seen for TIME (default 36d).", valueName: "TIME"))
    var lifetime: String?

    @Flag(help: "Show what would be removed, and remove nothing.")
    var dryRun = false

    @Flag(help: "Print statistics (states, ages, clients that never came back, busiest prefixes); remove nothing.")
    var stats = false

    @Flag(name: [.short, .long], help: "Name each file removed.")
    var verbose = false

    /// How long past its window a record must be before it is removed.
    static let grace: Seconds = 3600
    /// How many expired records are collected before they are removed (10,000 keeps a scan of a million
    /// records near 13 MB peak and as fast as larger batches).
    static let removalBatch = 10_000

    func execute() -> ExitStatus {
        var options: [SettingValue] = []
        if let dir { options.append(SettingValue(.directory, dir)) }
        if let window { options.append(SettingValue(.window, window)) }
        if let lifetime { options.append(SettingValue(.lifetime, lifetime)) }
        let settings = Settings(options: options, environment: Environment(lookup: environmentValue))
        for problem in settings.problems { report("warning: \(problem)") }

        let started = monotonicMilliseconds(), now = currentTime()
        let removing = !dryRun && !stats
        var counts = Counts()
        var statistics = RecordStatistics(now: now, policy: settings.policy)
        func skip(_ path: String, _ why: String) {
            counts.skipped += 1
            statistics.addForeign()
            report("skipping \(path): \(why)")
        }
        do {
            try forEachEntry(inDirectoryAt: settings.directory, followingSymlink: true) { top, root in
                let name = top.name
                guard top.isDirectory ?? ((try? root.status(of: name))??.isDirectory == true) else {
                    return skip("\(settings.directory)/\(name)", "not a directory of records")
                }
                let path = settings.directory + "/" + name
                // Expired records are removed after their part of the directory is read, in inode order: find
                // does the same (ext4 restarts reading a hashed directory after each change). Memory stays bounded.
                var expired: [(inode: UInt64, name: String, record: Record)] = []
                func removeExpired(_ directory: borrowing OpenDirectory) {
                    expired.sort { $0.inode < $1.inode }
                    for (_, file, record) in expired {
                        guard removing else {
                            counts.removed += 1
                            if dryRun { print("would remove \(path)/\(file) (\(Self.describe(record, now: now)))") }
                            continue
                        }
                        do {
                            try directory.remove(file)
                            counts.removed += 1
                            if verbose { print("removed \(path)/\(file) (\(Self.describe(record, now: now)))") }
                        } catch {
                            counts.errors += 1
                            report("unable to remove \(path)/\(file): \(error)")
                        }
                    }
                    expired.removeAll(keepingCapacity: true)
                }
                do {
                    try forEachEntry(inDirectoryAt: path, { entry, directory in
                        let file = entry.name
                        counts.scanned += 1
                        guard let key = RecordKey(directory: name.utf8, name: file.utf8) else {
                            return skip("\(path)/\(file)", "not a record name")
                        }
                        let status: FileStatus?
                        do { status = try directory.status(of: file) } catch {
                            counts.errors += 1
                            report("unable to stat \(path)/\(file): \(error)")
                            return
                        }
                        guard let status else {
                            counts.errors += 1
                            report("unable to stat \(path)/\(file): it vanished")
                            return
                        }
                        guard let record = RecordDirectory.record(from: status) else {
                            return skip("\(path)/\(file)", "not a regular file")
                        }
                        if case .pending = record { counts.pending += 1 } else { counts.passed += 1 }
                        if stats { statistics.add(record, key: key) }
                        guard settings.policy.isExpired(record, now: now, grace: Self.grace) else { return }
                        expired.append((entry.inode, file, record))
                        if expired.count == Self.removalBatch { removeExpired(directory) }
                    }, finish: removeExpired)
                } catch {
                    counts.errors += 1
                    report("unable to read \(path): \(error)")
                }
                statistics.finishDirectory()
            }
        } catch {
            report("fatal: unable to read \(settings.directory): \(error)")
            return .systemError
        }
        if stats {
            print("cqgreylist-clean: statistics for \(settings.directory)")
            for line in statistics.report() { print("  " + line) }
        }
        let elapsed = Double(monotonicMilliseconds() - started) / 1000
        print("cqgreylist-clean: " + counts.summary(removing: removing, seconds: elapsed))
        return counts.errors == 0 ? .ok : .systemError
    }

    static func describe(_ record: Record, now: Timestamp) -> String {
        switch record {
        case .pending(let firstSeen): "pending, first seen \(Settings.formatDuration(now - firstSeen)) ago"
        case .passed(let lastSeen): "passed, last seen \(Settings.formatDuration(now - lastSeen)) ago"
        }
    }
}

/// The numbers of the summary line.
struct Counts {
    var scanned = 0, pending = 0, passed = 0, removed = 0, skipped = 0, errors = 0

    /// `scanned=… pending=… passed=… removed=… skipped=… errors=… elapsed=…s`; `removable=` when nothing is removed.
    func summary(removing: Bool, seconds: Double) -> String {
        let tenths = Int((seconds * 100).rounded())
        return "scanned=\(scanned) pending=\(pending) passed=\(passed) \(removing ? "removed" : "removable")=\(removed) "
            + "skipped=\(skipped) errors=\(errors) elapsed=\(tenths / 100).\(tenths % 100 < 10 ? "0" : "")\(tenths % 100)s"
    }
}

func report(_ text: String) {
    logToStandardError("cqgreylist-clean: \(text)\n")
}

@main
enum Main {
    static func main() { Clean.runWithQmailExitCodes() }
}
