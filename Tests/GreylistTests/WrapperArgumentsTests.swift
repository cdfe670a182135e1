import Greylist
import GreylistAdmin
import Testing

struct ArgumentsCase: CustomTestStringConvertible, Sendable {
    let arguments: [String], programIndex: Int, options: [SettingValue]
    var testDescription: String { arguments.joined(separator: " ") + " → program at \(programIndex)" }
}

@Suite struct WrapperArgumentsTests {
    static let cases: [ArgumentsCase] = [
        .init(arguments: ["cqgreylist", "qmail-smtpd"], programIndex: 1, options: []),
        .init(arguments: ["cqgreylist", "--delay", "300", "qmail-smtpd", "--delay"], programIndex: 3, options: [.init(.delay, "300")]),
        .init(arguments: ["cqgreylist", "--delay=5m", "--log-only", "qmail-smtpd"], programIndex: 3, options: [.init(.delay, "5m"), .init(.logOnly, "")]),
        .init(arguments: ["cqgreylist", "--", "--odd-program", "-x"], programIndex: 2, options: []),
        .init(arguments: ["cqgreylist", "--dir", "/d", "--fail-closed", "--", "prog"], programIndex: 5, options: [.init(.directory, "/d"), .init(.failClosed, "")]),
        .init(arguments: ["cqgreylist", "--message", "--not-an-option", "prog"], programIndex: 3, options: [.init(.message, "--not-an-option")]),
        .init(arguments: ["cqgreylist", "-", "prog"], programIndex: 1, options: []),
    ]

    @Test(arguments: cases)
    func stopsAtTheFirstNonOption(_ row: ArgumentsCase) throws {
        let parsed = try WrapperArguments.parse(row.arguments)
        #expect(parsed.programIndex == row.programIndex)
        #expect(parsed.options == row.options)
    }

    @Test(arguments: [
        (["cqgreylist"], "no program to run"),
        (["cqgreylist", "--delay", "300"], "no program to run"),
        (["cqgreylist", "--delay"], "--delay needs a value"),
        (["cqgreylist", "-x", "prog"], #"unknown option "-x""#),
        (["cqgreylist", "--dealy", "5", "prog"], #"unknown option "--dealy""#),
        (["cqgreylist", "--log-only=1", "prog"], "--log-only takes no value"),
        (["cqgreylist", "--", ], "no program to run"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) {
        #expect(throws: UsageError(message: message)) { try WrapperArguments.parse(arguments) }
    }

    @Test func helpListsEveryOptionVariableAndDefault() throws {
        #expect(try WrapperArguments.parse(["cqgreylist", "--help"]).wantsHelp)
        for setting in Setting.allCases {
            #expect(WrapperArguments.help.contains(setting.option))
            #expect(WrapperArguments.help.contains(setting.environmentVariable))
        }
        #expect(WrapperArguments.help.contains("default 300s"))
        #expect(WrapperArguments.help.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    /// `--version` is an option of the wrapper's own, before the program; after it, it is the program's.
    @Test func versionIsAnOptionOnlyBeforeTheProgram() throws {
        #expect(try WrapperArguments.parse(["cqgreylist", "--version"]).wantsVersion)
        let passedOn = try WrapperArguments.parse(["cqgreylist", "qmail-smtpd", "--version"])
        #expect(!passedOn.wantsVersion && passedOn.programIndex == 1)
        #expect(WrapperArguments.help.contains("--version"))
    }
}
