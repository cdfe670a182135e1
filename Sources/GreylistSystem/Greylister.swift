import Greylist

/// How long the wrapper's decision may take before a timer kills it, so that a stalled store or file system (a
/// hung NFS mount) cannot hold a connection: tcpserver then closes it, and the client retries later.
public let decisionDeadline: Seconds = 5

/// Decides one connection in DESIGN §2's order against a record store, and writes the record back.
public struct Greylister<Store: RecordStore> {
    /// The merged settings of this connection.
    public let settings: Settings
    /// Where the records live.
    public let store: Store

    /// A greylister with these settings and records in `store`.
    public init(settings: Settings, store: Store) { (self.settings, self.store) = (settings, store) }

    /// Decides for the client in `environment` at `now`, carrying out the store action; the settings'
    /// problems come first among the verdict's warnings.
    public func run(environment: Environment, now: Timestamp) -> Verdict {
        var verdict = decide(environment: environment, now: now)
        verdict.warnings = settings.problems + verdict.warnings
        return verdict
    }

    private func decide(environment: Environment, now: Timestamp) -> Verdict {
        let client = environment["TCPREMOTEIP"]
        switch Client(environment: environment) {
        case .exempt(let reason), .unidentified(let reason):
            return Verdict(client: client, outcome: .pass(reason))
        case .address(let address):
            var warnings: [String] = []
            do {
                let whitelist = WhitelistDatabase(path: settings.whitelist)
                if let entry = try whitelist.entry(matching: address, hostName: environment["TCPREMOTEHOST"]) {
                    return Verdict(client: client, outcome: .pass(.whitelist(entry: entry)))
                }
            } catch {
                warnings.append("whitelist ignored: \(error)")
            }
            // tcpserver -p leaves TCPREMOTEHOST empty when the name does not verify: no host name, so greylisted.
            if settings.selective, let host = environment["TCPREMOTEHOST"].flatMap({ HostName($0) }),
               !DynamicHostName.looksDynamic(host.description, address: address) {
                return Verdict(client: client, outcome: .pass(.named(host: host.description)), warnings: warnings)
            }
            let key = RecordKey(address: address, ipv4Prefix: settings.ipv4Prefix, ipv6Prefix: settings.ipv6Prefix)
            do {
                defer { store.close() }
                var (record, storeNow) = try store.read(key, now: now)
                var decision = settings.policy.decide(record: record, now: storeNow)
                if try !store.apply(decision.storeAction, to: key, previous: record, now: storeNow) {
                    // Another connection made or moved the record between our read and our write: it logs what
                    // it did, we decide on the record it left.
                    (record, storeNow) = try store.read(key, now: now)
                    decision = settings.policy.decide(record: record, now: storeNow)
                    _ = try store.apply(decision.storeAction, to: key, previous: record, now: storeNow)
                }
                warnings += store.warnings
                return Verdict(client: client, key: key, decision: decision, logOnly: settings.logOnly, warnings: warnings)
            } catch {
                warnings += store.warnings
                let reason = Reason.error(error.description)
                return Verdict(client: client, key: key, outcome: settings.failClosed ? .refuse(reason) : .pass(reason),
                               logOnly: settings.logOnly, warnings: warnings)
            }
        }
    }
}

extension Greylister where Store == ConfiguredStore {
    /// A greylister with records where the settings keep them.
    public init(settings: Settings) { self.init(settings: settings, store: ConfiguredStore(settings: settings)) }
}
