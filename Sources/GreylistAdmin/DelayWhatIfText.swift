import Greylist

/// The what-if reckoning for people.
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
            + "\(inForce.paid.count) client\(inForce.paid.count == 1 ? "" : "s") passed by a retry"]
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
        let giveTheDelay = "    give that delay with --delay (CQGREYLIST_DELAY, if set, wins over it)"
        if let youngestRetry, youngestRetry < delayInForce {
            output.append("  note: a retry passed at \(Settings.formatDuration(youngestRetry)), under the delay in force: "
                + "the log was written under a shorter one;")
            output.append(giveTheDelay)
        }
        if let oldestEarly, oldestEarly >= delayInForce {
            output.append("  note: an early retry was refused at \(Settings.formatDuration(oldestEarly)), past the delay in force: "
                + "the log was written under a longer one;")
            output.append(giveTheDelay)
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
}
