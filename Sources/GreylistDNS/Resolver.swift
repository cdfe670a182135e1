import Greylist
internal import CAres
import GreylistAdmin
import GreylistSystem

extension DNSChannel {
    /// Whether `text` is a list of DNS servers as `--dns-server` takes them: comma-separated `IP`, `IP:PORT` or
    /// `[IPv6]:PORT`, ports 1 to 65535.
    public static func isServerList(_ text: String) -> Bool {
        text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { ServerAddress($0, portOptional: true) != nil }
    }

    /// The lookups an SPF expansion makes, answered through this channel: NXDOMAIN is `noSuchDomain`, an
    /// answer without records of the type is empty, and anything else without an answer (SERVFAIL, a refusal,
    /// no answer within the deadline, a malformed reply) is a failure naming the reason.
    public var lookup: DNSLookup {
        DNSLookup(
            texts: { (name) throws(DNSLookupError) in
                try self.records(of: name, .txt) { DNSChannel.texts(in: $0) }
            },
            addresses: { (name) throws(DNSLookupError) in
                let ipv4 = try self.records(of: name, .a) { DNSChannel.ipv4Addresses(in: $0) }
                let ipv6 = try self.records(of: name, .aaaa) { DNSChannel.ipv6Addresses(in: $0) }
                return ipv4.map { ClientAddress.v4($0) } + ipv6.map { ClientAddress.v6($0) }
            },
            mailExchangers: { (name) throws(DNSLookupError) in
                try self.records(of: name, .mx) { DNSChannel.mailExchangers(in: $0) }
            })
    }

    private func records<T>(of name: DNSName, _ type: DNSRecordType,
                            _ parse: ([UInt8]) -> (status: Int32, records: [T])) throws(DNSLookupError) -> [T] {
        // c-ares reads `\` as the start of an escape (`\.`, `\032`): a backslash in a label is written `\\`.
        let reply = query(name.text.split(separator: "\\", omittingEmptySubsequences: false).joined(separator: "\\\\"), type: type)
        if let problem = reply.problem { throw .failed(problem) }
        switch reply.status {
        case ARES_SUCCESS:
            let parsed = parse(reply.answer)
            switch parsed.status {
            case ARES_SUCCESS: return parsed.records
            case ARES_ENODATA: return []
            default: throw .failed("bad answer: \(DNSChannel.describe(parsed.status))")
            }
        case ARES_ENODATA: return []
        case ARES_ENOTFOUND: throw .noSuchDomain
        case ARES_ESERVFAIL: throw .failed("server failure (SERVFAIL)")
        case ARES_EREFUSED: throw .failed("refused by the server (REFUSED)")
        case ARES_ETIMEOUT, ARES_ECANCELLED: throw .failed("no answer within \(Double(deadline) / 1000) s")
        default: throw .failed(DNSChannel.describe(reply.status))
        }
    }
}
