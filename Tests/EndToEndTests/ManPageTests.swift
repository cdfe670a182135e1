import Foundation
import Testing

/// The man pages in etc/man: lint-clean for mandoc, and in step with what the programs take.
@Suite struct ManPageTests {
    static let pages = ["cqgreylist", "cqgreylist-mkwhitelist", "cqgreylist-clean", "cqgreylist-report"]

    @Test(arguments: pages)
    func lintClean(_ page: String) throws {
        // Warnings and errors; STYLE messages (such as pages of other packages not installed here) are not faults.
        let lint = try run("/usr/bin/mandoc", ["-T", "lint", "-W", "warning", Built.source("etc/man/\(page).8")])
        #expect(lint.status == 0 && lint.output.isEmpty && lint.errors.isEmpty, "\(lint.output)\(lint.errors)")
    }

    /// The program's --help, piped to a pager or a mail: no line over 100 columns.
    @Test(arguments: pages)
    func helpLinesFitAHundredColumns(_ page: String) throws {
        let help = try run(Built.path(page), ["--help"])
        #expect(help.status == 0)
        let long = help.output.split(separator: "\n").filter { $0.count > 100 }
        #expect(long.isEmpty, "\(long)")
    }

    /// Every option the program's --help lists, every variable it names, and the sections a section 8 page has.
    @Test(arguments: pages)
    func everyOptionAndVariableIsDocumented(_ page: String) throws {
        let source = try String(contentsOfFile: Built.source("etc/man/\(page).8"), encoding: .utf8)
        let help = try run(Built.path(page), ["--help"]).output
        let words = help.split(whereSeparator: { " ,[]<>=\n().;:\"".contains($0) }).map(String.init)
        let options = Set(words.filter { $0.hasPrefix("--") && $0.count > 2 }.map { String($0.dropFirst(2)) })
        #expect(options.count >= 4, "\(help)")
        for option in options { #expect(source.contains("Fl \\-\(option)"), "\(page).8 lacks --\(option)") }
        for variable in Set(words.filter { $0.hasPrefix("CQGREYLIST_") && $0.count > 11 }) {
            #expect(source.contains("Ev \(variable)"), "\(page).8 lacks \(variable)")
        }
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
            #expect(source.contains(".Sh \(section)\n"), "\(page).8 lacks \(section)")
        }
        let rendered = try run("/usr/bin/mandoc", ["-T", "ascii", Built.source("etc/man/\(page).8")])
        #expect(rendered.status == 0 && rendered.output.contains(page), "\(rendered.errors)")
    }
}
