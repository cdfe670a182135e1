// libpsl: the Public Suffix List, read from a data file (Debian's publicsuffix package, kept current by the
// distribution) rather than the snapshot built into the library. The Interop*.swift files are the only ones that
// touch pointers.
import Glibc
import Greylist
import GreylistAdmin
import GreylistSystem
internal import CPSL

/// The Public Suffix List, ICANN and private sections, loaded from a file. Safe to use: the context pointer never
/// leaves the class, which frees it.
@safe public final class PublicSuffixList {
    /// Where Debian's `publicsuffix` package puts the list, compiled for libpsl.
    public static let debianPath = "/usr/share/publicsuffix/public_suffix_list.dafsa"
    private let context: OpaquePointer

    /// The list in the file at `path`: libpsl's compiled form (DAFSA) or the plain text list. A file that cannot
    /// be read, or that does not list `com`, is an error: a check against an empty list would accept every name.
    /// Calls `fopen(3)`, `psl_load_fp(3)`, `psl_is_public_suffix2(3)`.
    public init(path: String) throws(DNSSetupError) {
        let operation = "read the public suffix list \(path) (Debian package publicsuffix)"
        guard let file = unsafe fopen(path, "re") else { throw DNSSetupError(operation: operation, problem: Errno(rawValue: errno).description) }
        defer { unsafe fclose(file) }
        guard let loaded = unsafe psl_load_fp(file) else { throw DNSSetupError(operation: operation, problem: "not a public suffix list") }
        // Checked before the context is stored: once it is, a throw would run deinit, which frees it too.
        guard unsafe psl_is_public_suffix2(loaded, "com", PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0 else {
            unsafe psl_free(loaded)
            throw DNSSetupError(operation: operation, problem: "it does not list com: not a public suffix list")
        }
        unsafe context = loaded
    }

    deinit { unsafe psl_free(context) }

    /// Whether `name` is on the list (`co.uk`, `github.io`), without the default rule that makes every unlisted
    /// top-level domain one. Calls `psl_is_public_suffix2(3)`.
    public func contains(_ name: HostName) -> Bool {
        unsafe psl_is_public_suffix2(context, name.description, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0
    }
}
