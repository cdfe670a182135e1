// cqgreylist-mkwhitelist: compiles the plaintext whitelist into the cdb the wrapper reads; checks and dumps it.
import ArgumentParser
import Greylist
import GreylistSystem
import GreylistTools

struct MkWhitelist: QmailCommand {
    static let configuration = CommandConfiguration(
        commandName: "cqgreylist-mkwhitelist",
        abstract: "Compile a plaintext IP/CIDR whitelist into the cdb that cqgreylist reads.",
        discussion: """
            One entry a line: 192.0.2.7, 192.0.2.0/24, 2001:db8::1, 2001:db8::/32, or tcprules' 10., 192.0.2., \
            192.0.2.4-7, 192.0.2-3. ('#' starts a comment). Every line is checked first; then the cdb is written to a \
            temp file beside it, synced and renamed. On any error nothing is written and the old cdb stays. Exit \
            status: 0 done (or --check matched), 1 --check did not match, 100 bad input, 111 system error.
            """)

    @Argument(help: "Read the whitelist from SOURCE, - for standard input.")
    var source = "/var/qmail/control/cqgreylist.txt"

    @Option(help: ArgumentHelp("Write the cdb to CDB, or read it with --check and --dump.", valueName: "CDB"))
    var cdb = Settings.defaults.whitelist

    @Flag(help: "Accept networks written with host bits set, masking them (default: an error).")
    var maskHostBits = false

    @Flag(name: [.short, .long], help: "Report duplicate entries and entries covered by others.")
    var verbose = false

    @Option(help: ArgumentHelp("Tell whether ADDRESS matches the compiled cdb, and by which entry.", valueName: "ADDRESS"))
    var check: String?

    @Flag(help: "Print the compiled cdb's networks, as a whitelist.")
    var dump = false

    func execute() -> ExitStatus {
        if let check { return checkAddress(check) }
        if dump { return dumpNetworks() }
        return compile()
    }

    func compile() -> ExitStatus {
        removeTemporaryCDBOnTermination()
        let source: WhitelistSource = self.source == "-" ? .standardInput : .file(self.source)
        let compilation: WhitelistCompilation
        do {
            compilation = try WhitelistDatabase(path: cdb).compile(from: source, maskingHostBits: maskHostBits, verbose: verbose)
        } catch {
            switch error {
            case .system(let failure):
                return fatal("unable to \(failure)", .systemError)
            case .badLines(let errors, let count):
                for error in errors { printError(error) }
                if count > errors.count { printError("... and \(count - errors.count) more") }
                return fatal("\(count) bad line\(count == 1 ? "" : "s") in \(source.name); \(cdb) left unchanged", .badInput)
            }
        }
        for line in compilation.findings { printError(line) }
        print("cqgreylist-mkwhitelist: wrote \(cdb): \(compilation.entries) entries, \(compilation.networks) networks")
        return .ok
    }

    func checkAddress(_ text: String) -> ExitStatus {
        guard let address = ClientAddress(text) else { return fatal("not an IP address: \(LogLine.quoted(text))", .badInput) }
        do {
            guard let entry = try WhitelistDatabase(path: cdb).entry(matching: address) else {
                print("\(address.text) is not whitelisted by \(cdb)")
                return .no
            }
            print("\(address.text) is whitelisted by \(cdb), entry \(entry)")
            return .ok
        } catch {
            return fatal("unable to \(error)", .systemError)
        }
    }

    func dumpNetworks() -> ExitStatus {
        do {
            let found = try WhitelistDatabase(path: cdb).forEachNetwork { network, entry in
                print(network == entry ? network : "\(network)  # \(entry)")
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

func fatal(_ text: String, _ status: ExitStatus) -> ExitStatus {
    printError("cqgreylist-mkwhitelist: fatal: \(text)")
    return status
}

@main
enum Main {
    static func main() { MkWhitelist.runWithQmailExitCodes() }
}
