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
        /// Addresses whose reverse name is checked (`ptr`, `exists`): they name no networks.
        case unlisted(String?)
    }
    /// The result when the mechanism matches.
    public var qualifier: Qualifier
    /// The mechanism.
    public var mechanism: Mechanism
    /// The term as written, without its qualifier (`include:_spf.example.net`).
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
            let written = String(decoding: term, as: UTF8.self)
            let nameEnd = term.firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=") } ?? term.endIndex
            if nameEnd < term.endIndex, term[nameEnd] == UInt8(ascii: "=") {
                let name = String(decoding: term[..<nameEnd].map(lowercased), as: UTF8.self)
                let value = String(decoding: term[(nameEnd + 1)...], as: UTF8.self)
                guard let first = term.first, isLetter(first) else { throw SPFError("bad term \(LogLine.quoted(written))") }
                if name == "redirect" {
                    guard redirect == nil else { throw SPFError("more than one redirect modifier") }
                    redirect = value
                } else if name == "exp" {
                    guard !explanation else { throw SPFError("more than one exp modifier") }
                    explanation = true
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
            directives.append(SPFDirective(qualifier: qualifier, mechanism: try Self.mechanism(body, written: written),
                                           text: String(decoding: body, as: UTF8.self)))
        }
    }

    private static func mechanism(_ term: ArraySlice<UInt8>, written: String) throws(SPFError) -> SPFDirective.Mechanism {
        let bad = SPFError("bad term \(LogLine.quoted(written))")
        let nameEnd = term.firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") } ?? term.endIndex
        let name = String(decoding: term[..<nameEnd].map(lowercased), as: UTF8.self)
        var rest = term[nameEnd...]
        func domain(required: Bool) throws(SPFError) -> String? {
            guard rest.first == UInt8(ascii: ":") else {
                if required || !rest.isEmpty { throw bad }
                return nil
            }
            guard rest.count > 1 else { throw bad }
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
            // An IPv4-mapped ip6 network is the IPv4 network it maps.
            let mapped = address.isIPv4 && !isIPv4
            let prefixLength = length.map { mapped ? $0 - 96 : $0 } ?? (address.isIPv4 ? 32 : 128)
            guard prefixLength >= 0 else { throw bad }
            return .network(Network(address, prefixLength: prefixLength))
        default:
            throw SPFError("unknown mechanism \(LogLine.quoted(written))")
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

private func isLetter(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lowercased(byte))
}
