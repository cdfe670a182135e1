// cqgreylist-clean: expires old records from the state directory (from cron), or reports on them.
import ArgumentParser
import Greylist
import GreylistAdmin
import GreylistSystem
import GreylistTools

struct Clean: QmailCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqgreylist-clean",
        abstract: "Remove expired records from cqgreylist's state directory, or report on them.",
        discussion: """
            Removes pending records older than the retry window and passed records not seen within the lifetime, \
            each by more than an hour (so no wrapper deciding at that moment can be passing a record it removes), \
            after checking each once more just before; sets records dated in the future to now. Settings and \
            defaults are the wrapper's, from options or the same CQGREYLIST_* variables (which win); a bad value \
            is a usage error. Files that are not records are reported and left alone; symlinks are never \
            followed. One cleaner at a time: a second exits 111. Prints one summary line. Exit status: 0 done, \
            100 usage error, 111 if the directory is being cleaned or any file could not be read or removed.
            """,
        version: "cqgreylist-clean \(cqgreylistVersion)")

    @Option(help: ArgumentHelp("Clean the records in DIR (default \(Settings.defaults.directory)).", valueName: "DIR"), completion: .directory)
    var dir: String?

    @Option(help: ArgumentHelp("Remove pending records older than TIME (default \(Setting.helpText(Settings.defaults.policy.window))).", valueName: "TIME"))
    var window: String?

    @Option(help: ArgumentHelp("Remove passed records not seen for TIME (default \(Setting.helpText(Settings.defaults.policy.lifetime))).", valueName: "TIME"))
    var lifetime: String?

    @Flag(help: "Show what would be removed or repaired, and change nothing.")
    var dryRun = false

    @Flag(help: "Print statistics (states, ages, clients that never came back, busiest prefixes); change nothing.")
    var stats = false

    @Flag(name: [.short, .long], help: "Name each file removed, repaired, or kept because it changed.")
    var verbose = false

    @Option(help: ArgumentHelp("Use the records on Redis at SERVERS, as the wrapper's --redis (default: the state directory).", valueName: "SERVERS"))
    var redis: String?

    @Option(help: ArgumentHelp("Redis keys begin with PREFIX (default \"\(Settings.defaults.redisPrefix)\").", valueName: "PREFIX"))
    var redisPrefix: String?

    @Option(help: ArgumentHelp("Authenticate to Redis with FILE's password or user and password.", valueName: "FILE"), completion: .file())
    var redisPasswordFile: String?

    @Flag(help: "Copy the state directory's live records into Redis (keeping their times), for the move to several MX hosts; change no file.")
    var copyToRedis = false

    @Option(help: ArgumentHelp("Also write the counts (with --stats, the statistics too) to FILE as Prometheus metrics.",
                               valueName: "FILE"), completion: .file())
    var prometheus: String?

    @Flag(help: "Check every CQGREYLIST_* setting in the environment (run under envdir) as the wrapper reads it; clean nothing.")
    var checkSettings = false

    @Flag(help: "Check the Redis servers of the settings as this user (run it as the wrapper's): login, the commands on the prefix, a master among the servers, noeviction; clean nothing.")
    var checkRedis = false

    func execute() -> ExitStatus {
        if checkSettings { return checkSettingsInEnvironment(program: "cqgreylist-clean") }
        guard let settings = readSettings() else { return .badInput }
        if checkRedis { return checkRedisSetup(settings) }
        if copyToRedis {
            guard !settings.redisServers.isEmpty, !stats, !dryRun else {
                report("fatal: --copy-to-redis needs --redis (or CQGREYLIST_REDIS), and neither --stats nor --dry-run")
                return .badInput
            }
            return copyToRedis(settings)
        }
        if settings.usesRedis { return runOnRedis(settings) }   // ConfiguredStore's choice
        return sweep(settings)
    }

    /// The settings of the options and the environment, read strictly (this tool deletes: a bad value is a usage
    /// error, never a default); nil once what is wrong has been reported.
    func readSettings() -> Settings? {
        var options: [SettingValue] = []
        if let dir { options.append(SettingValue(.directory, dir)) }
        if let window { options.append(SettingValue(.window, window)) }
        if let lifetime { options.append(SettingValue(.lifetime, lifetime)) }
        if let redis { options.append(SettingValue(.redis, redis)) }
        if let redisPrefix { options.append(SettingValue(.redisPrefix, redisPrefix)) }
        if let redisPasswordFile { options.append(SettingValue(.redisPasswordFile, redisPasswordFile)) }
        let settings: Settings
        do {
            settings = try Settings(strictly: [.directory, .delay, .window, .lifetime, .redis, .redisPrefix, .redisPasswordFile],
                                    options: options, environment: Environment(lookup: environmentValue))
        } catch {
            for problem in error.problems { report("fatal: \(problem)") }
            return nil
        }
        return settings
    }

    /// Cleans the state directory (or, with --stats or --dry-run, reads it only), then prints the summary.
    func sweep(_ settings: Settings) -> ExitStatus {
        let started = monotonicMilliseconds()
        let changing = !dryRun && !stats
        let sweep = RecordSweep(path: settings.directory, policy: settings.policy, changing: changing)
        var counts = SweepCounts()
        var statistics = stats ? RecordStatistics(now: currentTime(), policy: settings.policy) : nil
        let directory = LogLine.escaped(settings.directory, limit: 4096)
        do {
            try sweep.run { event in
                counts.count(event)
                statistics?.add(event)
                switch event.message(dryRun: dryRun, verbose: verbose) {
                case .output(let line): print(line)
                case .problem(let line): report(line)
                case nil: break
                }
            }
        } catch {
            switch error {
            case .unreadable(let problem): report("fatal: unable to read \(directory): \(problem)")
            case .unlockable(let problem): report("fatal: unable to lock \(directory): \(problem)")
            case .locked: report("fatal: another cqgreylist-clean is cleaning \(directory)")
            }
            return .systemError
        }
        if let statistics {
            print("cqgreylist-clean: statistics for \(directory)")
            for line in statistics.report(counts: counts) { print("  " + line) }
        }
        let elapsed = Double(monotonicMilliseconds() - started) / 1000
        print("cqgreylist-clean: " + counts.summary(changing: changing, seconds: elapsed))
        if let prometheus,
           !writeMetrics(counts.metrics(changing: changing, milliseconds: Int64(elapsed * 1000), statistics: statistics), to: prometheus) {
            return .systemError
        }
        return counts.errors == 0 ? .ok : .systemError
    }
}

func report(_ text: String) {
    logToStandardError("cqgreylist-clean: \(text)\n")
}

@main
enum Main {
    static func main() { Clean.runWithQmailExitCodes() }
}
