import Greylist

/// The log report for people, and the times it reads and prints (UTC, as multilog's labels are).
extension LogReport {
    /// The report, one line each; `top` is how many clients, whitelist entries and kinds of error to list; the
    /// entries of `whitelist` that passed nobody are counted and listed too.
    public func text(top: Int = 10, whitelist: WhitelistListing? = nil) -> [String] {
        var output: [String] = []
        let period = if let firstTime, let lastTime {
            "from \(UTCTime.format(firstTime)) to \(UTCTime.format(lastTime))"
        } else {
            "(no timestamps)"
        }
        output.append("period: \(period)")
        var read = "lines: \(lines) read, \(wrapperLines) of cqgreylist counted, \(otherLines) of other programs, "
            + "\(unreadableLines) unreadable"
        if outsidePeriod > 0 || untimed > 0 { read += ", \(outsidePeriod) outside the period, \(untimed) without a timestamp" }
        output.append(read)

        output.append("connections: \(connectionCount)")
        for action in LoggedAction.allCases {
            let counts = LoggedReason.allCases.filter { count(action, $0) > 0 }.map { "\($0) \(count(action, $0))" }
            if !counts.isEmpty { output.append("  \(action): " + counts.joined(separator: ", ")) }
        }
        output += whitelistText(top: top, listing: whitelist)

        let clients = clientCounts, greylisted = clients.greylisted, passed = clients.passed, never = greylisted - passed
        output.append("clients greylisted: \(greylisted)")
        output.append("  came back and passed: \(passed)\(Self.share(passed, of: greylisted))")
        var caught = "  never passed: \(never)\(Self.share(never, of: greylisted))"
        if lastTime != nil { caught += ", of which \(clients.stillInWindow) greylisted in the last \(Settings.formatDuration(window)) (may still retry)" }
        output.append(caught)
        if clients.retriedWithoutGreylisting > 0 {
            output.append("  passed, greylisted before the period: \(clients.retriedWithoutGreylisting)")
        }

        let retries = self.retries.count
        output.append("delay paid by retries that passed: \(retries)")
        if let ages = retryAges(atQuantiles: Self.quantiles.map { $0.fraction }) {
            let figures = zip(Self.quantiles, ages).map { "\($0.name) \(Settings.formatDuration($1))" }
            output.append("  " + figures.joined(separator: ", "))
            let histogram = delayHistogram, largest = histogram.max() ?? 0
            let labelWidth = Self.delayBuckets.map { $0.label.count }.max() ?? 0
            for (bucket, count) in zip(Self.delayBuckets, histogram) {
                let bar = String(repeating: "#", count: largest == 0 ? 0 : (count * 40 + largest - 1) / largest)
                let padding = String(repeating: " ", count: labelWidth - bucket.label.count)
                output.append("  \(padding)\(bucket.label) \(bar)\(bar.isEmpty ? "" : " ")\(count)")
            }
        }

        output += whatIf?.text ?? []
        if top > 0 {
            let early = mostEarlyRetries(top)
            output.append("retried too early most often:" + (early.isEmpty ? " none more than once" : ""))
            for (key, count) in early { output.append("  \(key) \(count)") }
        }
        output.append("store errors: \(storeErrorTotal)")
        for (text, count) in storeErrorCounts.prefix(top) { output.append("  \(count) \(text)") }
        output.append("warnings: \(warningTotal)")
        for (text, count) in warningCounts.prefix(top) { output.append("  \(count) \(text)") }
        if fatalLines > 0 { output.append("next program not run (fatal): \(fatalLines)") }
        return output
    }

    /// ` (42%)`, or nothing when `total` is 0.
    private static func share(_ part: Int, of total: Int) -> String {
        total == 0 ? "" : " (\((part * 100 + total / 2) / total)%)"
    }
}

/// Times as the report prints and reads them: UTC, `2026-11-30 07:15:00`.
public enum UTCTime {
    /// `time` as `YYYY-MM-DD HH:MM:SS` in UTC.
    public static func format(_ time: Timestamp) -> String {
        let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        let seconds = time - days * 86_400
        let (year, month, day) = civilDate(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    /// A time given as `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or with `T` for the space (UTC), or as a duration
    /// back from `now` (`7d`, `12h`); nil if it is neither.
    public static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        if let seconds = Settings.parseDuration(text) { return now - seconds }
        let parts = text.split(omittingEmptySubsequences: false) { $0 == " " || $0 == "T" }
        guard (1...2).contains(parts.count) else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int64($0) }
        let clock = parts.count == 2 ? parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int64($0) } : []
        guard date.count == 3, parts[0].count == 10, let year = date[0], let month = date[1], let day = date[2],
              (1970...9999).contains(year), (1...12).contains(month), (1...daysIn(month, of: year)).contains(day),
              parts.count == 1 || (2...3).contains(clock.count), clock.allSatisfy({ $0 != nil })
        else { return nil }
        let (hour, minute, second) = (clock.first.flatMap { $0 } ?? 0, clock.dropFirst().first.flatMap { $0 } ?? 0,
                                      clock.dropFirst(2).first.flatMap { $0 } ?? 0)
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        return days(fromYear: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static func daysIn(_ month: Int64, of year: Int64) -> Int64 {
        if month == 2 { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28 }
        return [4, 6, 9, 11].contains(month) ? 30 : 31
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civilDate(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
