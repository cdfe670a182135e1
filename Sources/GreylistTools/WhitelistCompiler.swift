import Greylist
import GreylistAdmin
import GreylistSystem

/// Where a plaintext whitelist comes from.
public enum WhitelistSource: Sendable {
    /// A file (or named pipe) at a path.
    case file(String)
    /// Standard input.
    case standardInput
    /// Text already in memory.
    case text([UInt8])

    /// The name in messages: the path, `(stdin)` or `(text)`.
    public var name: String {
        switch self {
        case .file(let path): path
        case .standardInput: "(stdin)"
        case .text: "(text)"
        }
    }

    /// Calls `body` with each line (at most `Whitelist.maximumLineLength + 1` bytes of it) and its number.
    /// Blocks while a pipe has no input: that is how pipes are read. Calls `read(2)`.
    public func forEachLine(_ body: (_ line: ArraySlice<UInt8>, _ number: Int) -> Void) throws(FileError) {
        var lines = LineSplitter()
        switch self {
        case .text(let bytes):
            lines.split(bytes[...], body)
        case .file, .standardInput:
            let path: String?
            if case .file(let file) = self { path = file } else { path = nil }
            do { try forEachChunk(ofFileAt: path) { lines.split($0, body) } } catch {
                throw FileError(operation: "read", path: name, problem: error.description)
            }
        }
        lines.finish(body)
    }

    /// Whether the source can be read a second time: text, or a regular file (not a symlink, which might lead
    /// to a pipe, nor a pipe, whose second open would wait for a new writer).
    var isRereadable: Bool {
        switch self {
        case .text: true
        case .standardInput: false
        case .file(let path): ((try? fileStatus(atPath: path)) ?? nil)?.isRegularFile ?? false
        }
    }
}

/// Why a whitelist was not compiled; the old cdb is left as it was.
public enum WhitelistCompileError: Error, Sendable {
    /// Lines that are not entries: the first `WhitelistCompilation.errorLimit` as `source:line: reason`, how many
    /// in all, and the names of the sources they are in.
    case badLines([String], count: Int, sources: [String])
    /// As `badLines`, but a DNS lookup of an `spf:` line failed without an answer: another try may succeed.
    case lookupFailures([String], count: Int, sources: [String])
    /// A source could not be read, or the cdb not written.
    case system(FileError)
}

extension WhitelistDatabase {
    /// Compiles the plaintext whitelist from `source` into this cdb, as `compile(from:…)` does for several sources.
    public func compile(from source: WhitelistSource, maskingHostBits: Bool = false, verbose: Bool = false,
                        lookup: DNSLookup? = nil, spfCap: SPFCap = SPFCap(),
                        isPublicSuffix: ((HostName) -> Bool)? = nil) throws(WhitelistCompileError) -> WhitelistCompilation {
        try compile(from: [source], maskingHostBits: maskingHostBits, verbose: verbose, lookup: lookup, spfCap: spfCap,
                    isPublicSuffix: isPublicSuffix)
    }

    /// Compiles the plaintext whitelists from `sources` (at least one; their lines one after the other, each bad
    /// line named by its source and line) into this cdb: first every line of every source is checked, before any
    /// file is made (so bad lines are reported even where the cdb cannot be written), and each `spf:` line is
    /// expanded with `lookup` (without one, an `spf:` line is a bad line); then the lines are read again (from
    /// memory, for a source that cannot be re-read) and written atomically with those expansions. The result
    /// is the writing pass, with its counts, warnings and (if `verbose`) findings. `spfCap` and `isPublicSuffix`
    /// are as `WhitelistCompilation` takes them.
    public func compile(from sources: [WhitelistSource], maskingHostBits: Bool = false, verbose: Bool = false,
                        lookup: DNSLookup? = nil, spfCap: SPFCap = SPFCap(),
                        isPublicSuffix: ((HostName) -> Bool)? = nil) throws(WhitelistCompileError) -> WhitelistCompilation {
        precondition(!sources.isEmpty, "a whitelist is compiled from one source or more")
        var check = WhitelistCompilation(source: sources[0].name, maskingHostBits: maskingHostBits, lookup: lookup, spfCap: spfCap,
                                         isPublicSuffix: isPublicSuffix)
        var again: [WhitelistSource] = []
        for (index, source) in sources.enumerated() {
            if index > 0 { check.startSource(source.name) }
            let rereadable = source.isRereadable
            var kept: [UInt8] = []
            do {
                try source.forEachLine { line, number in
                    check.add(line, number: number)
                    if !rereadable && check.errorCount == 0 {
                        kept += line
                        kept.append(UInt8(ascii: "\n"))
                    }
                }
            } catch {
                throw .system(error)
            }
            again.append(rereadable ? source : .text(kept))
        }
        guard check.errorCount == 0 else {
            throw check.temporaryErrorCount > 0 ? .lookupFailures(check.errors, count: check.errorCount, sources: check.sourcesWithErrors)
                                                : .badLines(check.errors, count: check.errorCount, sources: check.sourcesWithErrors)
        }
        var compilation = WhitelistCompilation(source: sources[0].name, maskingHostBits: maskingHostBits, verbose: verbose,
                                               expansions: check.expansions, spfCap: spfCap, isPublicSuffix: isPublicSuffix)
        var readFailure: FileError?
        let written: Bool
        do throws(FileError) {
            written = try write { add, addHost in
                for (index, source) in again.enumerated() {
                    // Named as in the first pass: text kept from a pipe is still that pipe's lines.
                    if index > 0 { compilation.startSource(sources[index].name) }
                    do throws(FileError) {
                        try source.forEachLine { line, number in compilation.add(line, number: number, add, host: addHost) }
                    } catch {
                        readFailure = error
                        return false
                    }
                }
                return compilation.errorCount == 0
            }
        } catch {
            throw .system(error)
        }
        if let readFailure { throw .system(readFailure) }
        guard written else { throw .badLines(compilation.errors, count: compilation.errorCount, sources: compilation.sourcesWithErrors) }
        return compilation
    }
}
