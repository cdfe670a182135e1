import Greylist

/// The compiled whitelist (DESIGN §5): a cdb of canonical CIDR keys, each with the entry it came from as value,
/// and the reserved record of the prefix lengths present. The one place that writes, looks up and dumps it.
public struct WhitelistDatabase: Sendable {
    /// The cdb's path.
    public let path: String

    /// The whitelist cdb at `path`.
    public init(path: String) { self.path = path }

    /// No stored key or value is longer than a whitelist line.
    static let maximumRecordLength = Whitelist.maximumLineLength

    private static let noIndex = "not a cqgreylist whitelist (no prefix-lengths record; made by tcprules or cdb -c?)"
    private enum Lookup { case match(String?), noIndex, badIndex }

    /// The entry whose network contains `address`, probing one key per prefix length present; nil for no match
    /// or no file. A file that is not a regular file, corrupt, unreadable, or not a cqgreylist whitelist (no
    /// prefix-lengths record: a tcprules cdb, say) throws (the wrapper logs it and treats it as no match).
    public func entry(matching address: ClientAddress) throws(FileError) -> String? {
        let lookup: Lookup?
        do {
            lookup = try lookUpCDB(atPath: path, maximumValueLength: Self.maximumRecordLength) { (find) throws(CDBError) -> Lookup in
                guard let index = try find(Whitelist.prefixLengthsKey) else { return .noIndex }
                guard let lengths = PrefixLengths(bytes: index) else { return .badIndex }
                var match: [UInt8]?
                var key: [UInt8] = []
                try lengths.forEachNetwork(containing: address) { (network) throws(CDBError) -> Bool in
                    key.removeAll(keepingCapacity: true)
                    network.appendKey(to: &key)
                    match = try find(key)
                    return match == nil
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
        case .badIndex?: throw readError("not a cqgreylist whitelist (bad prefix-lengths record)")
        }
    }

    /// Calls `body` with each network (its canonical CIDR text) and the entry it came from, in file order; false
    /// if there is no file. Throws as `entry(matching:)` does.
    public func forEachNetwork(_ body: (_ network: String, _ entry: String) -> Void) throws(FileError) -> Bool {
        let indexed: Bool?
        do {
            indexed = try lookUpCDB(atPath: path, maximumValueLength: Self.maximumRecordLength) { (find) throws(CDBError) in
                try find(Whitelist.prefixLengthsKey) != nil
            }
        } catch {
            throw readError(error.description)
        }
        guard let indexed else { return false }
        guard indexed else { throw readError(Self.noIndex) }
        do {
            return try forEachCDBRecord(atPath: path, maximumLength: Self.maximumRecordLength) { key, value in
                guard key != Whitelist.prefixLengthsKey else { return }
                body(String(decoding: key, as: UTF8.self), String(decoding: value, as: UTF8.self))
            }
        } catch {
            throw readError(error.description)
        }
    }

    /// Writes a compiled whitelist atomically (see `writeCDB`): each network `body` adds, under its key with its
    /// entry as value, then the prefix-lengths record. Nothing is written if `body` returns false.
    public func write(temporaryPath: String? = nil,
                      _ body: (_ add: (_ network: Network, _ entry: ArraySlice<UInt8>) -> Void) -> Bool) throws(FileError) -> Bool {
        var lengths = PrefixLengths()
        var key: [UInt8] = []
        return try writeCDB(atPath: path, temporaryPath: temporaryPath) { add in
            let complete = withoutActuallyEscaping(add) { add in
                body { network, entry in
                    key.removeAll(keepingCapacity: true)
                    network.appendKey(to: &key)
                    add(key, entry)
                    lengths.insert(network)
                }
            }
            add(Whitelist.prefixLengthsKey, lengths.bytes[...])
            return complete
        }
    }

    private func readError(_ problem: String) -> FileError { FileError(operation: "read", path: path, problem: problem) }
}
