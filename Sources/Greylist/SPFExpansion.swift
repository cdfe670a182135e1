/// Why a DNS lookup gave no answer.
public enum DNSLookupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name does not exist (NXDOMAIN).
    case noSuchDomain
    /// No answer could be had (a server failure, a timeout, a refusal): why, in words.
    case failed(String)

    public var description: String {
        switch self {
        case .noSuchDomain: "no such domain"
        case .failed(let reason): reason
        }
    }
}

/// The DNS lookups an SPF expansion makes: a resolver's in the whitelist compiler, a table's in tests.
public struct DNSLookup {
    /// The TXT records of a name, each one's strings joined; empty when it has none.
    public var texts: (HostName) throws(DNSLookupError) -> [[UInt8]]
    /// The IPv4 and IPv6 addresses of a name (its A and AAAA records); empty when it has none.
    public var addresses: (HostName) throws(DNSLookupError) -> [ClientAddress]
    /// The targets of a name's MX records, as the answer spells them; empty when it has none.
    public var mailExchangers: (HostName) throws(DNSLookupError) -> [String]

    /// Lookups made by these functions.
    public init(texts: @escaping (HostName) throws(DNSLookupError) -> [[UInt8]],
                addresses: @escaping (HostName) throws(DNSLookupError) -> [ClientAddress],
                mailExchangers: @escaping (HostName) throws(DNSLookupError) -> [String]) {
        (self.texts, self.addresses, self.mailExchangers) = (texts, addresses, mailExchangers)
    }
}

/// A network an SPF entry authorizes, and where it came from (`spf:example.com via include:_spf.example.net`).
public struct SPFNetwork: Equatable, Sendable {
    /// The network.
    public let network: Network
    /// The entry and the terms that led to the network: the value the cdb stores and `--dump` shows.
    public let origin: String
}

/// What an `spf:` entry expands to: the domain, the networks its SPF record authorizes, and notes on terms
/// that left networks out.
public struct SPFAuthorization: Equatable, Sendable {
    /// The domain whose record was expanded.
    public let domain: HostName
    /// The networks, in record order, each once (with its first origin).
    public let networks: [SPFNetwork]
    /// Why later terms added nothing (a `-exists:…` before them, whose match depends on the client), in words.
    public let notes: [String]
}

/// Expands a domain's SPF record into the networks it authorizes (RFC 7208): `ip4`, `ip6`, `a`, `mx` (with their
/// prefix lengths), `include` and `redirect`, in order, each network less what an earlier directive matched (a
/// `-ip4` before a wider `ip4` cuts a hole in it). Terms whose match depends on the client (`ptr`, `exists`,
/// macros such as `%{i}`, an include of a record holding such terms) add no networks; one that does not pass
/// (`-exists:…`) may exclude any later network at run time, so nothing after it is added. The RFC's limits hold:
/// at most 10 terms that look up DNS, 10 mail exchangers per `mx`, 2 lookups that find nothing.
/// A loop of includes or redirects, a missing or doubled record, a failed lookup, `+all` or a pass for a
/// network wider than /8 (IPv4) or /16 (IPv6) are errors: the whitelist must not change on a guess.
public struct SPFExpansion {
    /// The most terms that look up DNS (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`) in one expansion.
    public static let lookupLimit = 10
    /// The most lookups that find nothing (no such name, no records).
    public static let voidLookupLimit = 2
    /// The most mail exchangers one `mx` term looks up.
    public static let mailExchangerLimit = 10
    /// The widest networks accepted, IPv4 and IPv6.
    public static let widestPrefix = (ipv4: 8, ipv6: 16)

    private let lookup: DNSLookup
    private let entry: String
    private var lookups = 0, voidLookups = 0
    private var notes: [String] = []

    /// What one record passes: networks with the terms that led to each, and whether they are all the addresses
    /// it passes (not when a term's match depends on the client: then they are some of them).
    private struct Passed {
        var networks: [(Network, [String])] = []
        var isExact = true
    }

    /// The networks `domain`'s SPF record authorizes, and notes on terms that left networks out.
    public static func networks(authorizedBy domain: HostName, lookup: DNSLookup) throws(SPFError) -> SPFAuthorization {
        var expansion = SPFExpansion(lookup: lookup, entry: "spf:\(domain)")
        let found = try expansion.evaluate(domain, chain: [domain], via: [])
        var seen = Set<Network>()
        var networks: [SPFNetwork] = []
        for (network, via) in found.networks where seen.insert(network).inserted {
            var origin = expansion.entry
            if !via.isEmpty { origin += " via " + via.joined(separator: " ") }
            networks.append(SPFNetwork(network: network, origin: origin))
        }
        return SPFAuthorization(domain: domain, networks: networks, notes: expansion.notes)
    }

    private init(lookup: DNSLookup, entry: String) { (self.lookup, self.entry) = (lookup, entry) }

    /// What `domain`'s record passes. `chain` holds the domains whose records are being evaluated, outermost
    /// first: a name already in it is a loop.
    private mutating func evaluate(_ domain: HostName, chain: [HostName], via: [String]) throws(SPFError) -> Passed {
        let record = try record(of: domain, via: via)
        var covered: [Network] = []
        var passed = Passed()
        func take(_ matched: [(Network, [String])], _ qualifier: SPFDirective.Qualifier) throws(SPFError) {
            for (network, origin) in matched where qualifier == .pass {
                let widest = network.address.isIPv4 ? Self.widestPrefix.ipv4 : Self.widestPrefix.ipv6
                guard network.prefixLength >= widest else {
                    throw failure("\(domain) authorizes \(network.key), wider than /\(widest)", via: origin)
                }
                for piece in network.removing(covered) { passed.networks.append((piece, origin)) }
            }
            for (network, _) in matched { covered.append(network) }
        }
        /// A directive whose match depends on the client: one that passes adds nothing; after any other, a
        /// later network may be excluded at run time, so the record's evaluation ends (true).
        func endsAtUnknownMatch(_ directive: SPFDirective) -> Bool {
            passed.isExact = false
            guard directive.qualifier != .pass else { return false }
            let written = Self.symbol(directive.qualifier) + directive.text
            notes.append(failure("terms after \(written) add no networks: whether it matches depends on the client", via: via).reason)
            return true
        }
        for directive in record.directives {
            let term = via + [directive.text]
            switch directive.mechanism {
            case .all:
                if directive.qualifier == .pass { throw failure("\(domain) authorizes every address (+all)", via: via) }
                return passed   // nothing after `all` is ever evaluated, nor a redirect
            case .network(let network):
                try take([(network, via)], directive.qualifier)
            case .include(let spec):
                try countLookup(via: term)
                guard let target = try target(spec, in: domain, via: term) else {
                    if endsAtUnknownMatch(directive) { return passed }
                    continue
                }
                let included = try evaluate(target, chain: try extend(chain, with: target, via: term), via: term)
                if !included.isExact, endsAtUnknownMatch(directive) { return passed }
                try take(included.networks, directive.qualifier)
            case .a(let spec, let ipv4Length, let ipv6Length):
                try countLookup(via: term)
                guard let name = try name(spec, in: domain, via: term) else {
                    if endsAtUnknownMatch(directive) { return passed }
                    continue
                }
                let networks = try addresses(of: name, via: term).map { network(around: $0, ipv4Length, ipv6Length) }
                try take(networks.map { ($0, term) }, directive.qualifier)
            case .mx(let spec, let ipv4Length, let ipv6Length):
                try countLookup(via: term)
                guard let name = try name(spec, in: domain, via: term) else {
                    if endsAtUnknownMatch(directive) { return passed }
                    continue
                }
                let exchangers = try mailExchangers(of: name, via: term)
                guard exchangers.count <= Self.mailExchangerLimit else {
                    throw failure("\(name) has \(exchangers.count) mail exchangers, more than \(Self.mailExchangerLimit)", via: term)
                }
                var networks: [(Network, [String])] = []
                for exchanger in exchangers {
                    guard let host = HostName(exchanger) else { continue }   // a null MX (".") or junk names no host
                    for address in try addresses(of: host, via: term) {
                        networks.append((network(around: address, ipv4Length, ipv6Length), term))
                    }
                }
                try take(networks, directive.qualifier)
            case .unlisted:
                try countLookup(via: term)
                if endsAtUnknownMatch(directive) { return passed }
            }
        }
        if let spec = record.redirect {
            let term = via + ["redirect=\(spec)"]
            try countLookup(via: term)
            guard let target = try target(spec, in: domain, via: term) else {
                passed.isExact = false
                return passed
            }
            let redirected = try evaluate(target, chain: try extend(chain, with: target, via: term), via: term)
            if !redirected.isExact { passed.isExact = false }
            try take(redirected.networks, .pass)
        }
        return passed
    }

    /// The one SPF record among `domain`'s TXT records.
    private func record(of domain: HostName, via: [String]) throws(SPFError) -> SPFRecord {
        let texts = try answer(via: via, "TXT lookup of \(domain)") { () throws(DNSLookupError) in try lookup.texts(domain) }
        let records = texts.filter(SPFRecord.isSPF)
        guard records.count == 1 else {
            throw failure(records.isEmpty ? "\(domain) has no SPF record" : "\(domain) has \(records.count) SPF records", via: via)
        }
        do { return try SPFRecord(parsing: records[0]) } catch { throw failure("\(domain): \(error.reason)", via: via) }
    }

    private mutating func addresses(of name: HostName, via: [String]) throws(SPFError) -> [ClientAddress] {
        try answerCountingVoid(via: via, "address lookup of \(name)") { (lookup) throws(DNSLookupError) in try lookup.addresses(name) }
    }

    /// The mail exchangers of `name`; none for a name that does not exist (a void lookup, RFC 7208 section 4.6.4).
    private mutating func mailExchangers(of name: HostName, via: [String]) throws(SPFError) -> [String] {
        try answerCountingVoid(via: via, "MX lookup of \(name) failed") { (lookup) throws(DNSLookupError) in try lookup.mailExchangers(name) }
    }

    /// What `body` finds; nothing for a name that does not exist. Finding nothing counts as a void lookup
    /// (RFC 7208 section 4.6.4). Any other failure is temporary: `failed`, then the error.
    private mutating func answerCountingVoid<T>(via: [String], _ failed: String,
                                                _ body: (DNSLookup) throws(DNSLookupError) -> [T]) throws(SPFError) -> [T] {
        let found: [T]
        do { found = try body(lookup) } catch {
            guard error == .noSuchDomain else { throw failure("\(failed): \(error)", via: via, isTemporary: true) }
            found = []
        }
        if found.isEmpty { try countVoidLookup(via: via) }
        return found
    }

    private func answer<T>(via: [String], _ what: String, _ body: () throws(DNSLookupError) -> T) throws(SPFError) -> T {
        do { return try body() } catch {
            guard error == .noSuchDomain else { throw failure("\(what) failed: \(error)", via: via, isTemporary: true) }
            throw failure("\(what): no such domain", via: via)
        }
    }

    /// The domain a term names; nil for one with macros (`%{i}`), which depend on the client and name no networks.
    private func target(_ spec: String, in domain: HostName, via: [String]) throws(SPFError) -> HostName? {
        if spec.utf8.contains(UInt8(ascii: "%")) { return nil }
        do { return try HostName(validating: spec.utf8) } catch { throw failure("bad domain \(LogLine.quoted(spec)): \(error.reason)", via: via) }
    }

    /// The name an `a` or `mx` term looks up: the one it names, else the record's domain.
    private func name(_ spec: String?, in domain: HostName, via: [String]) throws(SPFError) -> HostName? {
        guard let spec else { return domain }
        return try target(spec, in: domain, via: via)
    }

    private func extend(_ chain: [HostName], with target: HostName, via: [String]) throws(SPFError) -> [HostName] {
        if chain.contains(target) {
            throw failure("loop: " + (chain + [target]).map { $0.description }.joined(separator: " -> "), via: via)
        }
        return chain + [target]
    }

    private mutating func countLookup(via: [String]) throws(SPFError) {
        lookups += 1
        if lookups > Self.lookupLimit { throw failure("more than \(Self.lookupLimit) DNS lookups", via: via) }
    }

    private mutating func countVoidLookup(via: [String]) throws(SPFError) {
        voidLookups += 1
        if voidLookups > Self.voidLookupLimit { throw failure("more than \(Self.voidLookupLimit) DNS lookups found nothing", via: via) }
    }

    private func network(around address: ClientAddress, _ ipv4Length: Int, _ ipv6Length: Int) -> Network {
        Network(address, prefixLength: address.isIPv4 ? ipv4Length : ipv6Length)
    }

    private static func symbol(_ qualifier: SPFDirective.Qualifier) -> String {
        switch qualifier {
        case .pass: "+"
        case .fail: "-"
        case .softFail: "~"
        case .neutral: "?"
        }
    }

    private func failure(_ reason: String, via: [String], isTemporary: Bool = false) -> SPFError {
        SPFError(via.isEmpty ? reason : "\(reason) (via \(via.joined(separator: " ")))", isTemporary: isTemporary)
    }
}

extension Network {
    /// The network less every address in `others`, as the fewest networks that cover what is left.
    func removing(_ others: [Network]) -> [Network] {
        let overlapping = others.filter { $0.address.isIPv4 == address.isIPv4 && ($0.contains(address) || contains($0.address)) }
        if overlapping.contains(where: { $0.prefixLength <= prefixLength }) { return [] }
        if overlapping.isEmpty { return [self] }
        let halfBit = (address.isIPv4 ? 32 : 128) - prefixLength - 1
        let upper: ClientAddress = switch address {
        case .v4(let value): .v4(value | 1 << UInt32(halfBit))
        case .v6(let value): .v6(value | 1 << UInt128(halfBit))
        }
        return Network(address, prefixLength: prefixLength + 1).removing(overlapping)
            + Network(upper, prefixLength: prefixLength + 1).removing(overlapping)
    }
}

