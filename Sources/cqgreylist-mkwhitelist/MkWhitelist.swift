// cqgreylist-mkwhitelist: compiles the plaintext whitelist into the cdb the wrapper reads; checks and dumps it.
import ArgumentParser
import Greylist
import GreylistDNS
import GreylistAdmin
import GreylistSystem
import GreylistTools

struct MkWhitelist: QmailCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqgreylist-mkwhitelist",
        abstract: "Compile a plaintext whitelist into the cdb that cqgreylist reads.",
        // The options are listed below it: all of them in the usage line would run past 100 columns.
        usage: "cqgreylist-mkwhitelist [<options>] [<source> ...]",
        discussion: """
            One entry a line: 192.0.2.7, 192.0.2.0/24, 2001:db8::1, 2001:db8::/32, tcprules' 10., 192.0.2., \
            192.0.2.4-7, 192.0.2-3.; a host name mail.example.org or a domain with every name below it .example.org \
            (matched against TCPREMOTEHOST: run tcpserver with -p, or anyone can claim a name; a public suffix such \
            as .co.uk is refused); spf:example.com (the networks the domain's SPF record authorizes, looked up now, \
            at most --spf-max-ipv4 and --spf-max-ipv6 in all) ('#' starts a comment). Each line is \
            checked, and its SPF record looked up, as the cdb is written to a temp file beside it; the file is \
            synced and renamed once every line was good. On any error (a failed DNS lookup too) the temp file is \
            removed and the old cdb stays. Exit status: 0 done (or --check matched), 1 --check did not match, \
            100 bad input, 111 system error.
            """,
        version: "cqgreylist-mkwhitelist \(cqgreylistVersion)")

    @Argument(help: ArgumentHelp("Read the whitelist from SOURCE, - for standard input; several are compiled together (default: \(Self.defaultSource)).",
                                 valueName: "source"), completion: .file())
    var sources: [String] = []

    static let defaultSource = "/var/qmail/control/cqgreylist.txt"

    @Option(help: ArgumentHelp("Write the cdb to CDB, or read it with --check and --dump.", valueName: "CDB"), completion: .file())
    var cdb = Settings.defaults.whitelist

    @Flag(help: "Accept networks written with host bits set, masking them (default: an error).")
    var maskHostBits = false

    @Flag(name: [.short, .long], help: "Report duplicate entries, entries covered by others, and SPF terms after which no networks were added.")
    var verbose = false

    @Option(help: ArgumentHelp("Ask DNS server SERVER (IP or IP:PORT, several comma-separated) for SPF records (default: /etc/resolv.conf's).",
                               valueName: "SERVER"))
    var dnsServer: String?

    @Option(help: ArgumentHelp("Give up a DNS lookup after SECONDS, failing the compile.", valueName: "SECONDS"))
    var dnsTimeout = 5.0

    @Option(help: ArgumentHelp("Refuse an spf: line that whitelists more IPv4 addresses in all than a /LENGTH holds.",
                               valueName: "LENGTH"))
    var spfMaxIpv4 = SPFCap().ipv4

    @Option(help: ArgumentHelp("Refuse an spf: line that whitelists more IPv6 addresses in all than a /LENGTH holds.",
                               valueName: "LENGTH"))
    var spfMaxIpv6 = SPFCap().ipv6

    @Option(help: ArgumentHelp("Check host-name entries against the Public Suffix List in FILE (libpsl's DAFSA or the plain list).",
                               valueName: "FILE"))
    var publicSuffixList = PublicSuffixList.debianPath

    @Option(help: ArgumentHelp("Tell whether ADDRESS (or a verified host NAME) matches the compiled cdb, and by which entry.",
                               valueName: "ADDRESS|NAME"))
    var check: String?

    @Flag(help: "Print the compiled cdb's networks, as a whitelist.")
    var dump = false

    func validate() throws {
        guard sources.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("standard input (-) can be read only once") }
        guard sources.isEmpty || (check == nil && !dump) else { throw ValidationError("--check and --dump read the cdb, not a source") }
        guard dnsTimeout > 0, dnsTimeout <= 60 else { throw ValidationError("--dns-timeout must be more than 0 and at most 60 seconds") }
        guard (0...32).contains(spfMaxIpv4) else { throw ValidationError("--spf-max-ipv4 must be a prefix length from 0 to 32") }
        guard (0...128).contains(spfMaxIpv6) else { throw ValidationError("--spf-max-ipv6 must be a prefix length from 0 to 128") }
    }

    func execute() -> ExitStatus {
        if let check { return checkAddress(check) }
        if dump { return dumpNetworks() }
        return compile()
    }

    func compile() -> ExitStatus {
        removeTemporaryCDBOnTermination()
        let sources: [WhitelistSource] = (self.sources.isEmpty ? [Self.defaultSource] : self.sources).map { $0 == "-" ? .standardInput : .file($0) }
        let channel: DNSChannel
        do { channel = try DNSChannel(server: dnsServer, timeoutMilliseconds: Int(dnsTimeout * 1000)) } catch {
            return fatal(error.description, dnsServer == nil ? .systemError : .badInput)
        }
        let publicSuffixes: PublicSuffixList
        do { publicSuffixes = try PublicSuffixList(path: publicSuffixList) } catch { return fatal(error.description, .systemError) }
        let compilation: WhitelistCompilation
        do {
            compilation = try WhitelistDatabase(path: cdb).compile(from: sources, maskingHostBits: maskHostBits, verbose: verbose,
                                                                   lookup: channel.lookup, spfCap: SPFCap(ipv4: spfMaxIpv4, ipv6: spfMaxIpv6),
                                                                   isPublicSuffix: publicSuffixes.contains)
        } catch {
            switch error {
            case .system(let failure):
                return fatal("unable to \(failure)", .systemError)
            case .badLines(let errors, let count, let named), .lookupFailures(let errors, let count, let named):
                for error in errors { printError(error) }
                if count > errors.count { printError("... and \(count - errors.count) more") }
                let lines = "\(count) bad line\(count == 1 ? "" : "s") in \(Self.list(named))"
                if case .lookupFailures = error {
                    return fatal("\(lines) (a DNS lookup failed: try again later); \(cdb) left unchanged", .systemError)
                }
                return fatal("\(lines); \(cdb) left unchanged", .badInput)
            }
        }
        for line in compilation.warnings { printError(line) }
        for line in compilation.findings { printError(line) }
        if compilation.hostNames > 0 {
            // Advice, not an error: on standard output, which a cron line discards, so a nightly run mails only problems.
            print("cqgreylist-mkwhitelist: note: host-name entries match TCPREMOTEHOST, which only tcpserver -p verifies: " +
                       "run tcpserver with -p and without -H, or anyone can claim a name")
        }
        let hostNames = compilation.hostNames == 0 ? "" : ", \(compilation.hostNames) host name\(compilation.hostNames == 1 ? "" : "s")"
        print("cqgreylist-mkwhitelist: wrote \(cdb): \(compilation.entries) entries, \(compilation.networks) networks\(hostNames)")
        return .ok
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ names: [String]) -> String {
        names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    func checkAddress(_ text: String) -> ExitStatus {
        let address = ClientAddress(text)
        var host: HostName?
        if address == nil, case .host(.host(let name))? = try? Whitelist.namedEntry(Array(text.utf8)[...]) { host = name }
        guard address != nil || host != nil else { return fatal("not an IP address or host name: \(LogLine.quoted(text))", .badInput) }
        let client = address?.text ?? host!.description
        do {
            guard let entry = try WhitelistDatabase(path: cdb).entry(matching: address, hostName: host?.description) else {
                print("\(client) is not whitelisted by \(cdb)")
                return .no
            }
            print("\(client) is whitelisted by \(cdb), entry \(entry)")
            return .ok
        } catch {
            return fatal("unable to \(error)", .systemError)
        }
    }

    func dumpNetworks() -> ExitStatus {
        do {
            let found = try WhitelistDatabase(path: cdb).forEachEntry { entry, value in
                print(entry == value ? entry : "\(entry)  # \(value)")
            }
            return found ? .ok : fatal("unable to read \(cdb): no such file", .systemError)
        } catch {
            return fatal("unable to \(error)", .systemError)
        }
    }
}

func printError(_ text: String) {
    logToStandardError(text + "\n")
}

@main
enum Main {
    static func main() { MkWhitelist.runWithQmailExitCodes() }
}
