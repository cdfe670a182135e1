import Greylist

/// Why an SPF entry could not be expanded; shown after the entry, `file:line: spf:domain: reason`.
public struct SPFError: Error, Equatable, Sendable {
    /// What is wrong, in words for the administrator.
    public let reason: String
    /// Whether a lookup failed without an answer (SERVFAIL, a timeout), so that another try may succeed.
    public let isTemporary: Bool
    /// An error with this reason.
    public init(_ reason: String, isTemporary: Bool = false) { (self.reason, self.isTemporary) = (reason, isTemporary) }
}

/// One directive of an SPF record (RFC 7208 section 4.6): a qualifier and a mechanism.
public struct SPFDirective: Equatable, Sendable {
    /// The result a directive gives when its mechanism matches.
    public enum Qualifier: Equatable, Sendable { case pass, fail, softFail, neutral }
    /// What a directive matches. Domain specifications are kept as written (they may hold macros).
    public enum Mechanism: Equatable, Sendable {
        /// Every address.
        case all
        /// The addresses another domain's record passes.
        case include(String)
        /// The addresses of a name (the record's own domain if nil), widened to these prefix lengths.
        case a(String?, ipv4Length: Int, ipv6Length: Int)
        /// The addresses of a name's mail exchangers, widened to these prefix lengths.
        case mx(String?, ipv4Length: Int, ipv6Length: Int)
        /// An `ip4` or `ip6` network.
        case network(Network)
        /// An `ip6` network of IPv4-mapped addresses (`ip6:::ffff:192.0.2.0/120`): no client has one.
        case matchesNoClient
        /// Addresses whose reverse name is checked (`ptr`, `exists`): they name no networks.
        case unlisted(String?)
    }
    /// The result when the mechanism matches.
    public var qualifier: Qualifier
    /// The mechanism.
    public var mechanism: Mechanism
    /// The term as written, without its qualifier (`include:_spf.example.net`), escaped as `LogLine.escaped` does.
    public var text: String
}

/// An SPF record's terms: its directives in order and its `redirect` modifier.
public struct SPFRecord: Equatable, Sendable {
    /// The directives, in the order they are evaluated.
    public var directives: [SPFDirective] = []
    /// The domain whose record applies when no directive matches.
    public var redirect: String?

    /// Whether TXT record text is an SPF record: `v=spf1`, then a space or the end (RFC 7208 section 4.5).
    public static func isSPF(_ text: [UInt8]) -> Bool {
        let version = Array("v=spf1".utf8)
        return text.count >= version.count && zip(text, version).allSatisfy { lowercased($0) == $1 }
            && (text.count == version.count || text[version.count] == UInt8(ascii: " "))
    }

    /// Parses an SPF record's text (`v=spf1 ...`); unknown modifiers are ignored, anything else unknown is an error.
    public init(parsing text: [UInt8]) throws(SPFError) {
        let terms = text.split(separator: UInt8(ascii: " "))
        guard let version = terms.first, Self.isSPF(Array(version)) else { throw SPFError("not an SPF record") }
        var explanation = false
        for term in terms.dropFirst() {
            let bad = SPFError("bad term \(LogLine.quoted(bytes: term))")
            let nameEnd = term.firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=") } ?? term.endIndex
            if nameEnd < term.endIndex, term[nameEnd] == UInt8(ascii: "=") {
                let name = String(decoding: term[..<nameEnd].map(lowercased), as: UTF8.self)
                let value = term[(nameEnd + 1)...]
                guard SPFGrammar.isModifierName(term[..<nameEnd]) else { throw bad }
                switch name {
                case "redirect":
                    guard SPFGrammar.isDomainSpec(value) else { throw bad }
                    guard redirect == nil else { throw SPFError("more than one redirect modifier") }
                    redirect = String(decoding: value, as: UTF8.self)
                case "exp":
                    guard SPFGrammar.isDomainSpec(value) else { throw bad }
                    guard !explanation else { throw SPFError("more than one exp modifier") }
                    explanation = true
                default:
                    guard SPFGrammar.isMacroString(value) else { throw bad }
                }
                continue
            }
            var body = term[...]
            let qualifier: SPFDirective.Qualifier
            switch body.first {
            case UInt8(ascii: "+"): (qualifier, body) = (.pass, body.dropFirst())
            case UInt8(ascii: "-"): (qualifier, body) = (.fail, body.dropFirst())
            case UInt8(ascii: "~"): (qualifier, body) = (.softFail, body.dropFirst())
            case UInt8(ascii: "?"): (qualifier, body) = (.neutral, body.dropFirst())
            default: qualifier = .pass
            }
            directives.append(SPFDirective(qualifier: qualifier, mechanism: try Self.mechanism(body, bad, unknown: SPFError("unknown mechanism \(LogLine.quoted(bytes: term))")),
                                           text: LogLine.escaped(bytes: body, limit: Whitelist.maximumLineLength)))
        }
    }

    private static func mechanism(_ term: ArraySlice<UInt8>, _ bad: SPFError, unknown: SPFError) throws(SPFError) -> SPFDirective.Mechanism {
        let nameEnd = term.firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") } ?? term.endIndex
        let name = String(decoding: term[..<nameEnd].map(lowercased), as: UTF8.self)
        var rest = term[nameEnd...]
        func domain(required: Bool) throws(SPFError) -> String? {
            guard rest.first == UInt8(ascii: ":") else {
                if required || !rest.isEmpty { throw bad }
                return nil
            }
            guard SPFGrammar.isDomainSpec(rest.dropFirst()) else { throw bad }
            return String(decoding: rest.dropFirst(), as: UTF8.self)
        }
        switch name {
        case "all":
            guard rest.isEmpty else { throw bad }
            return .all
        case "include":
            return .include(try domain(required: true)!)
        case "exists":
            return .unlisted(try domain(required: true))
        case "ptr":
            return .unlisted(try domain(required: false))
        case "a", "mx":
            let ipv6Length = try cidrLength(takenFrom: &rest, separator: "//", maximum: 128, bad) ?? 128
            let ipv4Length = try cidrLength(takenFrom: &rest, separator: "/", maximum: 32, bad) ?? 32
            let target = try domain(required: false)
            return name == "a" ? .a(target, ipv4Length: ipv4Length, ipv6Length: ipv6Length)
                               : .mx(target, ipv4Length: ipv4Length, ipv6Length: ipv6Length)
        case "ip4", "ip6":
            guard rest.first == UInt8(ascii: ":") else { throw bad }
            let isIPv4 = name == "ip4"
            let length = try cidrLength(takenFrom: &rest, separator: "/", maximum: isIPv4 ? 32 : 128, bad)
            let text = rest.dropFirst()
            guard let address = ClientAddress(utf8: text), text.contains(UInt8(ascii: ":")) != isIPv4 else { throw bad }
            guard case .v4(let ipv4) = address, !isIPv4 else {
                return .network(Network(address, prefixLength: length ?? (isIPv4 ? 32 : 128)))
            }
            // An ip6 network never matches an IPv4 client (RFC 7208 section 5.6), which is what the wrapper takes
            // an IPv4-mapped address for: it matches no client unless it reaches past the mapped addresses.
            let prefixLength = length ?? 128
            guard prefixLength < 96 else { return .matchesNoClient }
            return .network(Network(.v6(0xffff << 32 | UInt128(ipv4)), prefixLength: prefixLength))
        default:
            throw unknown
        }
    }

    /// Takes a trailing `/24` (with `separator` `//`: `//64`) off `rest` and returns the length; nil if there is none.
    private static func cidrLength(takenFrom rest: inout ArraySlice<UInt8>, separator: String, maximum: Int,
                                   _ bad: SPFError) throws(SPFError) -> Int? {
        let digits = rest.reversed().prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
        let end = rest.endIndex - digits
        let separatorBytes = Array(separator.utf8)
        guard digits > 0, rest[..<end].suffix(separatorBytes.count).elementsEqual(separatorBytes),
              separatorBytes.count == 2 || rest[..<(end - 1)].last != UInt8(ascii: "/") else { return nil }
        guard let length = ClientAddress.parseDecimal(rest[end...], maximum: maximum) else { throw bad }
        rest = rest[..<(end - separatorBytes.count)]
        return length
    }
}

private func lowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
}
