import Foundation
import Glibc
import Testing

/// The package under test: tools/package, run once from the programs under test for every test in this file, into a
/// directory that is removed when the test process exits.
struct BuiltPackage: Sendable {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cqgreylist-package-\(getpid())").path
    static let shared = BuiltPackage()
    /// What the programs print for --version, without their names.
    let version: String
    /// What tools/package said.
    let result: Finished
    /// The package's path, empty if tools/package made none.
    let path: String

    private init() {
        version = (try? run(Built.wrapper, ["--version"]).output.split(separator: " ").last.map { String($0.dropLast()) }) ?? ""
        // Others than root (qmaild, in the tests that install it) reach what is in the directory.
        try? FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: false,
                                                 attributes: [.posixPermissions: 0o755])
        atexit { try? FileManager.default.removeItem(atPath: BuiltPackage.directory) }
        result = (try? run(Built.source("tools/package"), ["--output", Self.directory],
                           environment: ["CQGREYLIST_BUILT": Built.directory, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], limit: 120))
            ?? Finished(status: -1, output: "", errors: "tools/package could not be started")
        path = result.status == 0 ? result.output.trimmingCharacters(in: .newlines) : ""
    }
}

/// What is in the package: the programs' version, the tools' shared libraries as Depends, and nothing lintian faults.
@Suite struct PackageContentsTests {
    let package = BuiltPackage.shared

    @Test func versionDependsAndLintian() throws {
        let version = package.version
        #expect(package.result.status == 0 && package.path == BuiltPackage.directory + "/cqgreylist_\(version)_amd64.deb",
                "\(package.result.output)\(package.result.errors)")
        for program in ["cqgreylist", "cqgreylist-mkwhitelist", "cqgreylist-clean", "cqgreylist-report"] {
            let printed = try run(Built.path(program), ["--version"])
            #expect(printed.status == 0 && printed.output == "\(program) \(version)\n", "\(printed.output)\(printed.errors)")
        }
        let fields = try run("/usr/bin/dpkg-deb", ["-f", package.path, "Version", "Depends", "Recommends"])
        #expect(fields.output.hasPrefix("Version: \(version)\n"), "\(fields.output)")
        let depends = fields.output.split(separator: "\n").first { $0.hasPrefix("Depends: ") }?.dropFirst(9)
            .split(separator: ",").map { $0.split(separator: " ").first.map(String.init) ?? "" } ?? []
        #expect(Set(depends) == ["libc6", "libgcc-s1", "libstdc++6", "libcdb1", "libhiredis0.14", "libc-ares2", "libpsl5", "publicsuffix"],
                "\(fields.output)")
        #expect(fields.output.contains("Recommends: ucspi-tcp | ucspi-tcp-ipv6, daemontools"))

        // lintian (tools/setup installs it): no error, and no warning that etc/debian/lintian-overrides does not justify.
        let lint = try run("/usr/bin/lintian", ["--tag-display-limit", "0", package.path], limit: 180)
        let faults = (lint.output + lint.errors).split(separator: "\n").filter { $0.hasPrefix("E: ") || $0.hasPrefix("W: ") }
        #expect(lint.status == 0 && faults.isEmpty, "\(lint.output)\(lint.errors)")
    }
}
