import Greylist

/// The what-if reckoning for people and as metrics.
extension DelayWhatIf {
    /// The quantiles of a row: median, 90th percentile, maximum (names and fractions of `LogReport.quantiles`).
    static let rowQuantiles = LogReport.quantiles.filter { ["median", "90th", "max"].contains($0.name) }

    /// The ages at `quantiles` of `paid` (ascending), by the nearest-rank method; nil if it is empty.
    static func figures(_ paid: [Seconds], at quantiles: [(numerator: Int, denominator: Int)]) -> [Seconds]? {
        guard !paid.isEmpty else { return nil }
        return quantiles.map { paid[LogReport.nearestRank(of: $0, among: paid.count) - 1] }
    }

    /// The section's lines: a table with a row per delay asked and one for the delay in force, what its columns
    /// mean, and a note where the log's ages show another delay than the one in force.
    public var text: [String] {
        let inForce = self.inForce
        var rows = outcomes
        if !delays.contains(delayInForce) { rows.append(inForce) }
        rows.sort { $0.delay < $1.delay }
        var output = ["what if the delay were other than the \(Settings.formatDuration(delayInForce)) in force: "
            + "\(inForce.paid.count) clients passed by a retry"]
        var table = [["delay"] + Self.rowQuantiles.map { $0.name } + ["passed too", "unknown", ""]]
        for row in rows {
            let bound = row.unknown > 0 ? ">=" : ""
            let figures = Self.figures(row.paid, at: Self.rowQuantiles.map { $0.fraction })?.map { bound + Settings.formatDuration($0) }
            table.append([Settings.formatDuration(row.delay)] + (figures ?? Self.rowQuantiles.map { _ in "-" })
                         + ["\(row.passedToo)", "\(row.unknown)", row.delay == delayInForce ? "(in force)" : ""])
        }
        output += Self.aligned(table)
        output.append("  passed too: clients no retry passed that retried at or after the delay (what a shorter one lets in)")
        if rows.contains(where: { $0.unknown > 0 }) {
            output.append("  unknown: clients a retry passed younger than the delay, refused there; the log holds no later retry:")
            output.append("  counted at the delay, so the figures marked >= are lower bounds (and some may never have come back)")
        }
        if let youngestRetry, youngestRetry < delayInForce {
            output.append("  note: a retry passed at \(Settings.formatDuration(youngestRetry)), under the delay in force: "
                + "the log was written under a shorter one (give --delay)")
        }
        if let oldestEarly, oldestEarly >= delayInForce {
            output.append("  note: an early retry was refused at \(Settings.formatDuration(oldestEarly)), past the delay in force: "
                + "the log was written under a longer one (give --delay)")
        }
        return output
    }

    /// `rows` as lines of left-aligned columns two spaces apart, indented by two, without trailing blanks.
    static func aligned(_ rows: [[String]]) -> [String] {
        var widths = [Int](repeating: 0, count: rows.map { $0.count }.max() ?? 0)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            var line = "  " + row.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// The reckoning as metrics: the delay in force, and per delay asked (label `delay`, in seconds) the summary of
    /// what the clients that passed would have paid, the clients that would have passed too and those unknown.
    func addMetrics(to out: inout PrometheusText) {
        out.gauge("cqgreylist_log_what_if_delay_in_force_seconds", help: "The delay the log was written under.", delayInForce)
        let outcomes = self.outcomes
        let delayPaid = "cqgreylist_log_what_if_retry_delay_seconds"
        out.family(delayPaid, .summary, help: "What the clients a retry passed would have paid with the delay given (a lower bound "
            + "where cqgreylist_log_what_if_clients_unknown is not 0).")
        for outcome in outcomes {
            let delay = ("delay", "\(outcome.delay)")
            for (quantile, age) in zip(LogReport.quantiles, Self.figures(outcome.paid, at: LogReport.quantiles.map { $0.fraction }) ?? []) {
                out.sample(delayPaid, [delay, ("quantile", quantile.label)], age)
            }
            out.sample(delayPaid + "_sum", [delay], outcome.paid.reduce(0, +))
            out.sample(delayPaid + "_count", [delay], Int64(outcome.paid.count))
        }
        let counts: [(String, String, (Outcome) -> Int)] = [
            ("cqgreylist_log_what_if_clients_passed_too", "Clients no retry passed that retried at or after the delay given.",
             { $0.passedToo }),
            ("cqgreylist_log_what_if_clients_unknown", "Clients a retry passed younger than the delay given: what they would have paid is unknown.",
             { $0.unknown }),
        ]
        for (name, help, count) in counts {
            out.family(name, .gauge, help: help)
            for outcome in outcomes { out.sample(name, [("delay", "\(outcome.delay)")], Int64(count(outcome))) }
        }
    }
}
