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
            192.0.2.4-7, 192.0.2-3. ('#' starts a comment). The cdb is written to a temp file beside it, synced and \
            renamed; on any error nothing is written and the old cdb stays. Exit status: 0 done (or --check matched), \
            1 --check did not match, 100 bad input, 111 system error.
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

    /// At most this many bad lines are reported.
    static let errorLimit = 100

    func execute() -> ExitStatus {
        if let check { return checkAddress(check) }
        if dump { return dumpNetworks() }
        return compile()
    }

    func compile() -> ExitStatus {
        let name = source == "-" ? "(stdin)" : source
        let maskHostBits = maskHostBits  // read the option once: each read of a property wrapper costs a metadata lookup
        var errors: [String] = [], errorCount = 0
        var readFailure: String?
        var report = Report(verbose: verbose)
        var lengths = PrefixLengths()
        let written: Bool
        do {
            written = try writeCDB(atPath: cdb) { add in
                var key: [UInt8] = []
                do {
                    try forEachLine(ofFileAt: source == "-" ? nil : source) { line, number in
                        do throws(WhitelistError) {
                            guard let entry = try Whitelist.entry(in: line) else { return }
                            try Whitelist.parseEntry(entry, maskingHostBits: maskHostBits) { network in
                                key.removeAll(keepingCapacity: true)
                                network.appendKey(to: &key)
                                add(key, entry)
                                lengths.insert(network)
                                report.note(network, entry: entry, line: number)
                            }
                        } catch {
                            errorCount += 1
                            if errors.count < Self.errorLimit { errors.append("\(name):\(number): \(error.reason)") }
                        }
                    }
                } catch {
                    readFailure = "unable to read \(name): \(error)"
                }
                add(Whitelist.prefixLengthsKey, lengths.bytes[...])
                return errorCount == 0 && readFailure == nil
            }
        } catch {
            return fatal("unable to \(error)", .systemError)
        }
        if let readFailure { return fatal(readFailure, .systemError) }
        guard written else {
            for error in errors { printError(error) }
            if errorCount > errors.count { printError("... and \(errorCount - errors.count) more") }
            return fatal("\(errorCount) bad line\(errorCount == 1 ? "" : "s") in \(name); \(cdb) left unchanged", .badInput)
        }
        for line in report.findings(source: name) { printError(line) }
        print("cqgreylist-mkwhitelist: wrote \(cdb): \(report.entries) entries, \(report.networks) networks")
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
            let found = try forEachCDBRecord(atPath: cdb) { key, value in
                guard key != Whitelist.prefixLengthsKey else { return }
                let network = String(decoding: key, as: UTF8.self), entry = String(decoding: value, as: UTF8.self)
                print(network == entry ? network : "\(network)  # \(entry)")
            }
            return found ? .ok : fatal("unable to read \(cdb): no such file", .systemError)
        } catch {
            return fatal("unable to read \(cdb): \(error)", .systemError)
        }
    }
}

/// Duplicate and covered entries, for --verbose; counts always.
struct Report {
    let verbose: Bool
    var entries = 0, networks = 0
    private var lastLine = 0
    private var seen: [Network: (line: Int, entry: String)] = [:]
    private var duplicates: [String] = []

    init(verbose: Bool) { self.verbose = verbose }

    mutating func note(_ network: Network, entry: ArraySlice<UInt8>, line: Int) {
        networks += 1
        if line != lastLine { (entries, lastLine) = (entries + 1, line) }
        guard verbose else { return }
        let text = String(decoding: entry, as: UTF8.self)
        if let first = seen[network] {
            duplicates.append("\(line): \(text) duplicates \(first.entry) (line \(first.line))")
        } else {
            seen[network] = (line, text)
        }
    }

    func findings(source: String) -> [String] {
        guard verbose else { return [] }
        var lines = duplicates.map { "\(source):\($0)" }
        for (network, origin) in seen.sorted(by: { $0.value.line < $1.value.line }) {
            for length in stride(from: network.prefixLength - 1, through: 0, by: -1) {
                if let cover = seen[Network(network.address, prefixLength: length)] {
                    lines.append("\(source):\(origin.line): \(origin.entry) is covered by \(cover.entry) (line \(cover.line))")
                    break
                }
            }
        }
        return lines
    }
}

/// Calls `body` with each line of the file at `path` (standard input if nil), without its LF, and its number.
func forEachLine(ofFileAt path: String?, _ body: (ArraySlice<UInt8>, Int) -> Void) throws(Errno) {
    var partial: [UInt8] = [], number = 0
    try forEachChunk(ofFileAt: path) { chunk in
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            number += 1
            if partial.isEmpty {
                body(chunk[start..<newline], number)
            } else {
                partial += chunk[start..<newline]
                body(partial[...], number)
                partial.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        partial += chunk[start...]
    }
    if !partial.isEmpty { body(partial[...], number + 1) }
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
