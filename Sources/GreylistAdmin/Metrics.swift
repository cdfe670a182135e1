import Greylist

/// The tools' numbers as Prometheus metrics, for node_exporter's textfile collector. Names follow Prometheus'
/// conventions: a `cqgreylist_` prefix, base units (`_seconds`), gauges for what a run found (no `_total`,
/// which belongs to counters that only grow), the log's words and record states as label values.
extension LogReport {
    /// The report as metrics: gauges over the period reported, and the retry delays as a summary.
    public var metrics: PrometheusText {
        var out = PrometheusText()
        out.family("cqgreylist_log_connections", .gauge, help: "Connections in the period reported, by action and reason.")
        for action in LoggedAction.allCases {
            for reason in LoggedReason.allCases where Self.isOutcome(action, reason) || count(action, reason) > 0 {
                out.sample("cqgreylist_log_connections", [("action", action.description), ("reason", reason.description)],
                           Int64(count(action, reason)))
            }
        }
        let clients = clientCounts, greylisted = clients.greylisted, passed = clients.passed
        let gauges: [(String, String, Int)] = [
            ("cqgreylist_log_clients_greylisted", "Distinct client keys greylisted in the period.", greylisted),
            ("cqgreylist_log_clients_passed", "Client keys greylisted in the period that came back and passed.", passed),
            ("cqgreylist_log_clients_never_passed", "Client keys greylisted in the period that never passed.", greylisted - passed),
            ("cqgreylist_log_clients_in_retry_window",
             "Client keys that never passed but were greylisted within the retry window before the last line.", clients.stillInWindow),
            ("cqgreylist_log_store_errors", "Connections whose record could not be read or written.", storeErrorTotal),
            ("cqgreylist_log_warnings", "Warning lines (bad settings, unusable whitelist, records dated ahead).", warningTotal),
            ("cqgreylist_log_fatal_lines", "Connections whose next program could not be run.", fatalLines),
            ("cqgreylist_log_unreadable_lines", "Lines of cqgreylist that could not be read.", unreadableLines),
        ]
        for (name, help, value) in gauges { out.gauge(name, help: help, Int64(value)) }
        let retries = self.retries
        out.family("cqgreylist_log_retry_delay_seconds", .summary, help: "Age of the record when a greylisted client's retry passed.")
        if let ages = retryAges(atQuantiles: Self.quantiles.map { $0.fraction }) {
            for (quantile, age) in zip(Self.quantiles, ages) {
                out.sample("cqgreylist_log_retry_delay_seconds", [("quantile", quantile.label)], age)
            }
        }
        out.sample("cqgreylist_log_retry_delay_seconds_sum", [], retries.totalAge)
        out.sample("cqgreylist_log_retry_delay_seconds_count", [], Int64(retries.count))
        whatIf?.addMetrics(to: &out)
        if let firstTime, let lastTime {
            out.gauge("cqgreylist_log_first_line_timestamp_seconds", help: "Time of the first line counted.", firstTime)
            out.gauge("cqgreylist_log_last_line_timestamp_seconds", help: "Time of the last line counted.", lastTime)
        }
        return out
    }
}

extension LogReport {
    /// Whether the wrapper decides `action` for `reason` (every such series is written, 0 or not, so that it
    /// exists before its first connection; others only if a log has them).
    static func isOutcome(_ action: LoggedAction, _ reason: LoggedReason) -> Bool {
        switch reason {
        case .relayclient, .whitelisted, .whitelist, .named, .retried, .known: action == .pass
        case .new, .early, .expired: action != .pass
        case .error: true
        }
    }
}

extension DelayWhatIf {
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

extension SweepCounts {
    /// The cleaner's run as metrics. With `statistics` (`--stats`): `cqgreylist_state_*` only, the directory's
    /// records, their ages and the busiest prefixes; without: `cqgreylist_clean_*` only, what the run found,
    /// removed and repaired (in a run that changes the directory). The two runs are meant to write two files side
    /// by side for node_exporter's textfile collector, which rejects a series found in two files: no series is
    /// written by both.
    public func metrics(changing: Bool, milliseconds: Int64, statistics: RecordStatistics?) -> PrometheusText {
        var out = PrometheusText()
        let prefix = statistics == nil ? "cqgreylist_clean" : "cqgreylist_state"
        out.family(prefix + "_records", .gauge, help: "Records in the state directory, by state.")
        out.sample(prefix + "_records", [("state", "pending")], Int64(pending))
        out.sample(prefix + "_records", [("state", "passed")], Int64(passed))
        var gauges: [(String, String, Int)] = [
            (prefix + "_foreign_files", "Entries of the state directory that are not records (left alone).", skipped),
            (prefix + "_errors", "Entries of the state directory that could not be read, removed or repaired.", errors),
        ]
        if changing {
            gauges.append(("cqgreylist_clean_removed_records", "Expired records the cleaner removed.", removed))
            gauges.append(("cqgreylist_clean_repaired_records", "Records dated ahead of the clock the cleaner set to now.", repaired))
        }
        for (name, help, value) in gauges { out.gauge(name, help: help, Int64(value)) }
        let duration = statistics == nil ? "cqgreylist_clean_duration_seconds" : "cqgreylist_state_scan_duration_seconds"
        out.family(duration, .gauge, help: "How long the scan of the state directory took.")
        out.sample(duration, milliseconds: milliseconds)
        guard let statistics else { return out }

        out.family("cqgreylist_state_record_age_seconds", .histogram,
                   help: "Records by age: pending ones since first seen, passed ones since last seen.")
        for (state, counts, total) in [("pending", statistics.pendingAges, statistics.pendingAgeTotal),
                                       ("passed", statistics.passedAges, statistics.passedAgeTotal)] {
            var cumulative = 0
            for (bucket, count) in zip(RecordStatistics.ageBuckets, counts) {
                cumulative += count
                let bound = bucket.atMost == .max ? "+Inf" : "\(bucket.atMost)"
                out.sample("cqgreylist_state_record_age_seconds_bucket", [("state", state), ("le", bound)], formatted: "\(cumulative)")
            }
            out.sample("cqgreylist_state_record_age_seconds_sum", [("state", state)], total)
            out.sample("cqgreylist_state_record_age_seconds_count", [("state", state)], Int64(cumulative))
        }
        out.gauge("cqgreylist_state_never_came_back_records", help: "Pending records past the retry window: clients greylisting kept out.",
                  Int64(statistics.neverCameBack))
        out.family("cqgreylist_state_busiest_prefix_records", .gauge, help: "Records in the busiest /24 and /64 prefixes.")
        for (prefix, count) in statistics.busiest.v4 {
            out.sample("cqgreylist_state_busiest_prefix_records", [("prefix", Network(prefix, prefixLength: 24).key)], Int64(count))
        }
        for (prefix, count) in statistics.busiest.v6 {
            out.sample("cqgreylist_state_busiest_prefix_records", [("prefix", Network(prefix, prefixLength: 64).key)], Int64(count))
        }
        return out
    }
}
