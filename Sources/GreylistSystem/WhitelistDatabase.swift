import Greylist

/// The compiled whitelist (DESIGN §5): a cdb of canonical CIDR keys and host-name keys, each with the entry it
/// came from as value, and the reserved records of the prefix lengths and host-name label counts present. The
/// one place that looks it up and dumps it; the compiler writes it with `WhitelistWriter` (GreylistTools).
public struct WhitelistDatabase: Sendable {
    /// The cdb's path.
    public let path: String

    /// The whitelist cdb at `path`.
    public init(path: String) { self.path = path }

    /// No stored key or value is longer than a whitelist line.
    static let maximumRecordLength = WhitelistCDB.maximumValueLength

    private static let noIndex = "not a cqgreylist whitelist (no prefix-lengths record; made by tcprules or cdb -c?)"
    private enum Lookup { case match(String?), noIndex, badIndex(String) }

    /// The entry whose network contains `address`, probing one key per prefix length present, else the entry
    /// matching `hostName` (the client's verified name, `TCPREMOTEHOST`; ignored unless it is a well-formed host
    /// name), probing one key per label count present; nil for no match or no file. A file that is not a regular
    /// file, corrupt, unreadable, or not a cqgreylist whitelist (no prefix-lengths record: a tcprules cdb, say)
    /// throws (the wrapper logs it and treats it as no match).
    public func entry(matching address: ClientAddress?, hostName: String? = nil) throws(FileError) -> String? {
        let lookup: Lookup?
        do {
            lookup = try lookUpCDB(atPath: path, maximumValueLength: Self.maximumRecordLength) { (find) throws(CDBError) -> Lookup in
                guard let index = try find(PrefixLengths.key) else { return .noIndex }
                guard let lengths = PrefixLengths(bytes: index) else { return .badIndex("prefix-lengths") }
                var match: [UInt8]?
                var key: [UInt8] = []
                if let address {
                    try lengths.forEachNetwork(containing: address) { (network) throws(CDBError) -> Bool in
                        key.removeAll(keepingCapacity: true)
                        network.appendKey(to: &key)
                        match = try find(key)
                        return match == nil
                    }
                }
                if match == nil, let hostName, let host = HostName(hostName), let labelIndex = try find(HostLabels.key) {
                    guard let labels = HostLabels(bytes: labelIndex) else { return .badIndex("host-labels") }
                    try labels.forEachKey(for: host) { (key) throws(CDBError) -> Bool in
                        match = try find(key)
                        return match == nil
                    }
                }
                return .match(match.map { String(decoding: $0, as: UTF8.self) })
            }
        } catch {
            throw readError(error.description)
        }
        switch lookup {
        case nil: return nil
        case .match(let entry)?: return entry
        case .noIndex?: throw readError(Self.noIndex)
        case .badIndex(let record)?: throw readError("not a cqgreylist whitelist (bad \(record) record)")
        }
    }

    /// Calls `body` with each entry as a whitelist line writes it (a network's canonical CIDR text, or a host
    /// pattern) and the value stored with it, in file order; false if there is no file. Throws as `entry(matching:)` does.
    public func forEachEntry(_ body: (_ entry: String, _ value: String) -> Void) throws(FileError) -> Bool {
        let indexed: Bool?
        do {
            indexed = try lookUpCDB(atPath: path, maximumValueLength: Self.maximumRecordLength) { (find) throws(CDBError) in
                try find(PrefixLengths.key) != nil
            }
        } catch {
            throw readError(error.description)
        }
        guard let indexed else { return false }
        guard indexed else { throw readError(Self.noIndex) }
        do {
            return try forEachCDBRecord(atPath: path, maximumLength: Self.maximumRecordLength) { key, value in
                guard key != PrefixLengths.key, key != HostLabels.key else { return }
                let entry = HostPattern(key: key)?.text ?? String(decoding: key, as: UTF8.self)
                body(entry, String(decoding: value, as: UTF8.self))
            }
        } catch {
            throw readError(error.description)
        }
    }

    private func readError(_ problem: String) -> FileError { FileError(operation: "read", path: path, problem: problem) }
}
