import Greylist

/// Decides one connection against the real state directory, in DESIGN §2's order, and writes the record back.
public struct Greylister: Sendable {
    /// The merged settings of this connection.
    public let settings: Settings

    /// A greylister with these settings.
    public init(settings: Settings) { self.settings = settings }

    /// Decides for the client in `environment` at `now`, carrying out the store action; the result is the log line,
    /// with the settings' problems as warnings.
    public func run(environment: Environment, now: Timestamp) -> LogLine {
        var line = decide(environment: environment, now: now)
        line.warnings = settings.problems + line.warnings
        return line
    }

    private func decide(environment: Environment, now: Timestamp) -> LogLine {
        let client = environment["TCPREMOTEIP"]
        switch Client(environment: environment) {
        case .exempt(let reason), .unidentified(let reason):
            return LogLine(client: client, outcome: .pass(reason))
        case .address(let address):
            var warnings: [String] = []
            do {
                if let entry = try WhitelistDatabase(path: settings.whitelist).entry(matching: address) {
                    return LogLine(client: client, outcome: .pass(.whitelist(entry: entry)))
                }
            } catch {
                warnings.append("whitelist ignored: \(error)")
            }
            let key = RecordKey(address: address, ipv4Prefix: settings.ipv4Prefix, ipv6Prefix: settings.ipv6Prefix)
            let store = RecordDirectory(path: settings.directory)
            do {
                let decision = settings.policy.decide(record: try store.record(for: key), now: now)
                try store.apply(decision.storeAction, to: key)
                return LogLine(client: client, key: key, outcome: decision.outcome, age: decision.age, logOnly: settings.logOnly,
                               warnings: warnings)
            } catch {
                let reason = Reason.error(error.description)
                return LogLine(client: client, key: key, outcome: settings.failClosed ? .refuse(reason) : .pass(reason),
                               logOnly: settings.logOnly, warnings: warnings)
            }
        }
    }
}
