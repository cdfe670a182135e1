// cqgreylist-clean with records on Redis: statistics from a scan, and the copy of a state directory into Redis.
import Greylist
import GreylistAdmin
import GreylistSystem
import GreylistTools

extension Clean {
    /// `--stats` on Redis: every key under the prefix read with SCAN and MGET in batches. Without `--stats`
    /// there is nothing to do: every key expires by itself.
    func runOnRedis(_ settings: Settings) -> ExitStatus {
        guard stats else {
            print("cqgreylist-clean: records on Redis expire by themselves, nothing to remove (--stats reports on them)")
            return .ok
        }
        let started = monotonicMilliseconds()
        var counts = SweepCounts()
        let statistics: RecordStatistics
        do {
            let connection = try RedisToolConnection(settings: settings)
            var scanned = RecordStatistics(now: try connection.time(), policy: settings.policy)
            try connection.scan { event in
                counts.count(event)
                scanned.add(event)
                if case .problem(let line) = event.message(dryRun: true, verbose: verbose) { report(line) }
            }
            scanned.finishDirectory()
            statistics = scanned
            print("cqgreylist-clean: statistics for redis \(connection.server) keys \(LogLine.escaped(settings.redisPrefix))*")
            for line in statistics.report(counts: counts) { print("  " + line) }
        } catch {
            report("fatal: \(error)")
            return .systemError
        }
        let milliseconds = monotonicMilliseconds() - started
        print("cqgreylist-clean: " + counts.summary(changing: false, seconds: Double(milliseconds) / 1000))
        if let prometheus,
           !writeMetrics(counts.metrics(changing: false, milliseconds: milliseconds, statistics: statistics), to: prometheus) {
            return .systemError
        }
        return .ok
    }

    /// `--copy-to-redis`: the state directory's live records into Redis, times kept, for the move from one MX
    /// host to several. Keys Redis already has are kept; the directory is not changed.
    func copyToRedis(_ settings: Settings) -> ExitStatus {
        let started = monotonicMilliseconds()
        let directory = LogLine.escaped(settings.directory, limit: 4096)
        var counts = SweepCounts(), copies = RedisToolConnection.CopyCounts(), batch: [(RecordKey, Record)] = []
        var failure: RedisStoreError?
        let connection: RedisToolConnection
        let now: Timestamp
        do {
            connection = try RedisToolConnection(settings: settings)
            now = try connection.time()
        } catch {
            report("fatal: \(error)")
            return .systemError
        }
        do {
            try RecordSweep(path: settings.directory, policy: settings.policy, changing: false).run { event in
                counts.count(event)
                if case .problem(let line) = event.message(dryRun: false, verbose: false) { report(line) }
                guard failure == nil, case .record(let key, let record) = event else { return }
                batch.append((key, record))
                guard batch.count == 1000 else { return }
                do throws(RedisStoreError) { try connection.copy(batch, now: now, into: &copies) } catch { failure = error }
                batch = []
            }
        } catch {
            report("fatal: unable to read \(directory): \(error)")
            return .systemError
        }
        do {
            if let failure { throw failure }
            try connection.copy(batch, now: now, into: &copies)
        } catch {
            report("fatal: \(error)")
            return .systemError
        }
        let milliseconds = monotonicMilliseconds() - started
        print("cqgreylist-clean: copied \(directory) to redis \(connection.server): copied=\(copies.copied) present=\(copies.present) "
              + "expired=\(copies.expired) skipped=\(counts.skipped) errors=\(counts.errors) elapsed=\(milliseconds)ms")
        return counts.errors == 0 ? .ok : .systemError
    }
}
