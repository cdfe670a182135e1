import Greylist

/// The compiled whitelist: a cdb of canonical CIDR keys, each with the entry it came from (DESIGN §5).
public struct WhitelistDatabase: Sendable {
    /// The cdb's path.
    public let path: String

    /// The whitelist cdb at `path`.
    public init(path: String) { self.path = path }

    /// The entry whose network contains `address`, probing one key per prefix length present; nil for no match
    /// or no file. A corrupt or unreadable file throws (the caller logs it and treats it as no match).
    public func entry(matching address: ClientAddress) throws(FileError) -> String? {
        let result: Result<String?, FileError>?
        do {
            result = try lookUpCDB(atPath: path) { find -> Result<String?, FileError> in
                guard let index = find(Whitelist.prefixLengthsKey) else { return .success(nil) }
                guard let lengths = PrefixLengths(bytes: index) else {
                    return .failure(FileError(operation: "read", path: path, problem: "not a cqgreylist whitelist (bad prefix-lengths record)"))
                }
                var match: [UInt8]?
                var key: [UInt8] = []
                lengths.forEachNetwork(containing: address) { network in
                    key.removeAll(keepingCapacity: true)
                    network.appendKey(to: &key)
                    match = find(key)
                    return match == nil
                }
                return .success(match.map { String(decoding: $0, as: UTF8.self) })
            }
        } catch {
            throw FileError(operation: "read", path: path, problem: error == .badFormat ? "corrupt or truncated cdb" : error.description)
        }
        return try result?.get() ?? nil
    }
}
