import Greylist

/// A network an SPF entry authorizes, and where it came from (`spf:example.com via include:_spf.example.net`).
public struct SPFNetwork: Equatable, Sendable {
    /// The network.
    public let network: Network
    /// The entry and the terms that led to the network: the value the cdb stores and `--dump` shows.
    public let origin: String
}

/// What an `spf:` entry expands to: the domain, the networks its SPF record authorizes, notes on terms that left
/// networks out, and warnings where one of RFC 7208's limits ended the expansion early.
public struct SPFAuthorization: Equatable, Sendable {
    /// The domain whose record was expanded.
    public let domain: HostName
    /// The networks, in record order, each once (with its first origin).
    public let networks: [SPFNetwork]
    /// Why later terms added nothing (a `-exists:…` before them, whose match depends on the client), in words.
    public let notes: [String]
    /// Where a limit (lookups, lookups that found nothing, mail exchangers) was reached, so later terms added nothing.
    public let warnings: [String]
}

/// Expands a domain's SPF record into the networks it authorizes (RFC 7208): `ip4`, `ip6`, `a`, `mx` (with their
/// prefix lengths), `include` and `redirect`, in order, each network less what an earlier directive matched (a
/// `-ip4` before a wider `ip4` cuts a hole in it). Terms whose match depends on the client (`ptr`, `exists`,
/// macros such as `%{i}`, an include of a record holding such terms) add no networks; one that does not pass
/// (`-exists:…`) may exclude any later network at run time, so nothing after it is added. The RFC's limits (10
/// terms that look up DNS, 10 mail exchangers per `mx`, 2 lookups that find nothing) are reached in order, as a
/// verifier reaches them: the networks of earlier terms stay, nothing later is added. Lookups that find nothing
/// are counted for each address family (an `a` for a name with only AAAA records finds nothing for IPv4 clients).
/// A record that breaks the grammar anywhere, a loop of includes or redirects, a missing or doubled record, a
/// failed lookup, `+all`, a pass for a network wider than /8 (IPv4) or /16 (IPv6), or more addresses in all than
/// the cap are errors: the whitelist must not change on a guess.
public struct SPFExpansion {
    /// The most terms that look up DNS (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`) in one expansion.
    public static let lookupLimit = 10
    /// The most lookups that find nothing (no such name, no records), for clients of one address family.
    public static let voidLookupLimit = 2
    /// The most mail exchangers one `mx` term looks up.
    public static let mailExchangerLimit = 10
    /// The widest networks accepted, IPv4 and IPv6.
    public static let widestPrefix = (ipv4: 8, ipv6: 16)

    private let lookup: DNSLookup
    private let entry: String
    private var lookups = 0
    /// Per address family, IPv4 first: lookups that found nothing, and whether a limit ended the evaluation.
    private var voidLookups = [0, 0], halted = [false, false]
    private var notes: [String] = [], warnings: [String] = []

    /// What one record passes: networks with the terms that led to each, and whether they are all the addresses
    /// it passes (not when a term's match depends on the client: then they are some of them).
    private struct Passed {
        var networks: [(Network, [String])] = []
        var isExact = true
    }

    /// The networks `domain`'s SPF record authorizes, and notes on terms that left networks out.
    public static func networks(authorizedBy domain: HostName, lookup: DNSLookup, cap: SPFCap = SPFCap()) throws(SPFError) -> SPFAuthorization {
        var expansion = SPFExpansion(lookup: lookup, entry: Whitelist.spfEntry(domain))
        let found = try expansion.evaluate(DNSName(domain), chain: [DNSName(domain)], via: [])
        var seen = Set<Network>()
        var networks: [SPFNetwork] = []
        for (network, via) in found.networks where seen.insert(network).inserted {
            var origin = expansion.entry
            if !via.isEmpty { origin += " via " + via.joined(separator: " ") }
            networks.append(SPFNetwork(network: network, origin: origin))
        }
        try cap.check(networks.map { $0.network }, of: domain)
        return SPFAuthorization(domain: domain, networks: networks, notes: expansion.notes, warnings: expansion.warnings)
    }

    private init(lookup: DNSLookup, entry: String) { (self.lookup, self.entry) = (lookup, entry) }

    /// What `domain`'s record passes. `chain` holds the domains whose records are being evaluated, outermost
    /// first: a name already in it is a loop.
    private mutating func evaluate(_ domain: DNSName, chain: [DNSName], via: [String]) throws(SPFError) -> Passed {
        let record = try record(of: domain, via: via)
        var state = RecordState(domain: domain)
        for directive in record.directives where !isHalted {
            if try apply(directive, to: &state, chain: chain, via: via) { return state.passed }
        }
        if let spec = record.redirect, !isHalted {
            let term = via + ["redirect=\(LogLine.escaped(spec, limit: Whitelist.maximumLineLength))"]
            guard countLookup(via: term) else { return state.passed }
            guard let target = try target(spec, via: term) else {
                state.passed.isExact = false
                return state.passed
            }
            let redirected = try evaluate(target, chain: try extend(chain, with: target, via: term), via: term)
            if !redirected.isExact { state.passed.isExact = false }
            try take(redirected.networks, .pass, into: &state)
        }
        return state.passed
    }

    /// One record's evaluation so far: what it passes, and what its directives matched (which later ones lose).
    private struct RecordState {
        let domain: DNSName
        var covered: [Network] = []
        var passed = Passed()
    }

    /// Evaluates one directive of `state`'s record; true if the record's evaluation ends there.
    private mutating func apply(_ directive: SPFDirective, to state: inout RecordState, chain: [DNSName], via: [String]) throws(SPFError) -> Bool {
        let term = via + [directive.text]
        switch directive.mechanism {
        case .all:
            if directive.qualifier == .pass { throw failure("\(state.domain) authorizes every address (+all)", via: via) }
            return true   // nothing after `all` is ever evaluated, nor a redirect
        case .network(let network):
            try take(unhalted([network]).map { ($0, via) }, directive.qualifier, into: &state)
        case .matchesNoClient:
            break
        case .include(let spec):
            guard countLookup(via: term) else { return true }
            guard let target = try target(spec, via: term) else { return endsAtUnknownMatch(directive, &state, via: via) }
            let included = try evaluate(target, chain: try extend(chain, with: target, via: term), via: term)
            if !included.isExact, endsAtUnknownMatch(directive, &state, via: via) { return true }
            try take(included.networks, directive.qualifier, into: &state)
        case .a(let spec, let ipv4Length, let ipv6Length), .mx(let spec, let ipv4Length, let ipv6Length):
            guard countLookup(via: term) else { return true }
            guard let name = try name(spec, in: state.domain, via: term) else { return endsAtUnknownMatch(directive, &state, via: via) }
            let addresses: [ClientAddress]
            if case .a = directive.mechanism { addresses = try self.addresses(of: name, via: term) } else {
                addresses = try exchangerAddresses(of: name, via: term)
            }
            try take(addresses.map { (network(around: $0, ipv4Length, ipv6Length), term) }, directive.qualifier, into: &state)
        case .unlisted:
            guard countLookup(via: term) else { return true }
            return endsAtUnknownMatch(directive, &state, via: via)
        }
        return false
    }

    /// Adds what a directive matched to `state`: if it passes, each network less what earlier directives
    /// matched; either way what it matched is taken from later ones.
    private func take(_ matched: [(Network, [String])], _ qualifier: SPFDirective.Qualifier, into state: inout RecordState) throws(SPFError) {
        for (network, origin) in matched where qualifier == .pass {
            let widest = network.address.isIPv4 ? Self.widestPrefix.ipv4 : Self.widestPrefix.ipv6
            guard network.prefixLength >= widest else {
                throw failure("\(state.domain) authorizes \(network.key), wider than /\(widest)", via: origin)
            }
            for piece in network.removing(state.covered) { state.passed.networks.append((piece, origin)) }
        }
        for (network, _) in matched { state.covered.append(network) }
    }

    /// A directive whose match depends on the client: one that passes adds nothing; after any other, a later
    /// network may be excluded at run time, so the record's evaluation ends (true).
    private mutating func endsAtUnknownMatch(_ directive: SPFDirective, _ state: inout RecordState, via: [String]) -> Bool {
        state.passed.isExact = false
        guard directive.qualifier != .pass else { return false }
        let written = Self.symbol(directive.qualifier) + directive.text
        notes.append(failure("terms after \(written) add no networks: whether it matches depends on the client", via: via).reason)
        return true
    }

    /// The addresses of the mail exchangers of `name`, at most `mailExchangerLimit` of them (more end the evaluation).
    private mutating func exchangerAddresses(of name: DNSName, via: [String]) throws(SPFError) -> [ClientAddress] {
        let exchangers = try answerCountingVoid(via: via, "MX lookup of \(name) failed") { (lookup) throws(DNSLookupError) in
            [try lookup.mailExchangers(name)]
        }[0]
        guard exchangers.count <= Self.mailExchangerLimit else {
            halt([true, true], "\(name) has \(exchangers.count) mail exchangers, more than \(Self.mailExchangerLimit)", via: via)
            return []
        }
        var found: [ClientAddress] = []
        for exchanger in exchangers {
            guard let host = DNSName(exchanger) else { continue }   // a null MX (".") or junk names no host
            found += try addresses(of: host, via: via)
        }
        return found
    }

    /// The one SPF record among `domain`'s TXT records.
    private func record(of domain: DNSName, via: [String]) throws(SPFError) -> SPFRecord {
        let texts = try answer(via: via, "TXT lookup of \(domain)") { () throws(DNSLookupError) in try lookup.texts(domain) }
        let records = texts.filter(SPFRecord.isSPF)
        guard records.count == 1 else {
            throw failure(records.isEmpty ? "\(domain) has no SPF record" : "\(domain) has \(records.count) SPF records", via: via)
        }
        do { return try SPFRecord(parsing: records[0]) } catch { throw failure("\(domain): \(error.reason)", via: via) }
    }

    /// The addresses of `name` of the families still evaluated; for each, finding none is a void lookup.
    private mutating func addresses(of name: DNSName, via: [String]) throws(SPFError) -> [ClientAddress] {
        let found = try answerCountingVoid(via: via, "address lookup of \(name)") { (lookup) throws(DNSLookupError) in
            let all = try lookup.addresses(name)
            return [all.filter { $0.isIPv4 }, all.filter { !$0.isIPv4 }]
        }
        return unhalted(found.flatMap { $0 })
    }

    /// What `body` finds, for IPv4 and IPv6 clients (one list for both when the lookup does not depend on the
    /// family); nothing for a name that does not exist. Finding nothing for a family counts as its void lookup
    /// (RFC 7208 section 4.6.4). Any other failure is temporary: `failed`, then the error.
    private mutating func answerCountingVoid<T>(via: [String], _ failed: String,
                                                _ body: (DNSLookup) throws(DNSLookupError) -> [[T]]) throws(SPFError) -> [[T]] {
        var found: [[T]]
        do { found = try body(lookup) } catch {
            guard error == .noSuchDomain else { throw failure("\(failed): \(error)", via: via, isTemporary: true) }
            found = [[], []]
        }
        let perFamily = found.count == 2 ? found : [found.first ?? [], found.first ?? []]
        var void = [false, false]
        for family in 0..<2 where !halted[family] && perFamily[family].isEmpty {
            voidLookups[family] += 1
            void[family] = voidLookups[family] > Self.voidLookupLimit
        }
        halt(void, "more than \(Self.voidLookupLimit) DNS lookups found nothing", via: via)
        return found
    }

    private func answer<T>(via: [String], _ what: String, _ body: () throws(DNSLookupError) -> T) throws(SPFError) -> T {
        do { return try body() } catch {
            guard error == .noSuchDomain else { throw failure("\(what) failed: \(error)", via: via, isTemporary: true) }
            throw failure("\(what): no such domain", via: via)
        }
    }

    /// The domain a term names; nil for one with macros (`%{i}`), which depend on the client and name no networks.
    private func target(_ spec: String, via: [String]) throws(SPFError) -> DNSName? {
        if spec.utf8.contains(UInt8(ascii: "%")) { return nil }
        do { return try DNSName(validating: spec.utf8) } catch { throw failure("bad domain \(LogLine.quoted(spec)): \(error.reason)", via: via) }
    }

    /// The name an `a` or `mx` term looks up: the one it names, else the record's domain.
    private func name(_ spec: String?, in domain: DNSName, via: [String]) throws(SPFError) -> DNSName? {
        guard let spec else { return domain }
        return try target(spec, via: via)
    }

    private func extend(_ chain: [DNSName], with target: DNSName, via: [String]) throws(SPFError) -> [DNSName] {
        if chain.contains(target) {
            throw failure("loop: " + (chain + [target]).map { $0.description }.joined(separator: " -> "), via: via)
        }
        return chain + [target]
    }

    /// Counts a term that looks up DNS; false, the evaluation ended, if it is one more than the limit.
    private mutating func countLookup(via: [String]) -> Bool {
        lookups += 1
        if lookups > Self.lookupLimit { halt([true, true], "more than \(Self.lookupLimit) DNS lookups", via: via) }
        return !isHalted
    }

    /// Ends the evaluation for clients of the families marked (IPv4, IPv6), as a verifier's permerror would there.
    private mutating func halt(_ families: [Bool], _ reason: String, via: [String]) {
        let newly = (0..<2).filter { families[$0] && !halted[$0] }
        guard !newly.isEmpty else { return }
        for family in newly { halted[family] = true }
        let who = newly.count == 2 ? "" : newly == [0] ? " for IPv4 clients" : " for IPv6 clients"
        let what = newly.count == 2 ? "networks" : newly == [0] ? "IPv4 networks" : "IPv6 networks"
        warnings.append(failure(reason + who, via: via).reason + ": only the \(what) of the terms before it are kept")
    }

    /// Whether a limit ended the evaluation for both families.
    private var isHalted: Bool { halted[0] && halted[1] }

    /// The items whose family is still evaluated.
    private func unhalted(_ addresses: [ClientAddress]) -> [ClientAddress] { addresses.filter { !halted[$0.isIPv4 ? 0 : 1] } }

    private func unhalted(_ networks: [Network]) -> [Network] { networks.filter { !halted[$0.address.isIPv4 ? 0 : 1] } }

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
