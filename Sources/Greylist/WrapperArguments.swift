/// A command line the wrapper cannot use; the text says why.
public struct UsageError: Error, Equatable, Sendable {
    /// What is wrong with the command line.
    public let message: String
    /// A usage error saying `message`.
    public init(message: String) { self.message = message }
}

/// The wrapper's own options, parsed by hand up to the first non-option; the rest is the next program.
public struct WrapperArguments: Equatable, Sendable {
    /// Settings given as options (the environment may still override them).
    public var options: [SettingValue] = []
    /// Index into argv of the next program's name.
    public var programIndex = 0
    /// Whether `--help` was asked for.
    public var wantsHelp = false
    /// Whether `--version` was asked for.
    public var wantsVersion = false

    /// Parses `cqgreylist [options] [--] program [arguments...]`; options take `--name value` or `--name=value`.
    public static func parse<Arguments: RandomAccessCollection<String>>(_ arguments: Arguments) throws(UsageError) -> WrapperArguments
    where Arguments.Index == Int {
        var result = WrapperArguments()
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { index += 1; break }
            guard argument.hasPrefix("-"), argument != "-" else { break }
            if argument == "--help" || argument == "-h" { result.wantsHelp = true; return result }
            if argument == "--version" { result.wantsVersion = true; return result }
            let name = argument.utf8.firstIndex(of: UInt8(ascii: "=")).map { String(argument[..<$0]) } ?? argument
            guard let setting = Setting(option: name) else {
                throw UsageError(message: "unknown option \(LogLine.quoted(argument))")
            }
            if setting.isFlag {
                guard name == argument else { throw UsageError(message: "\(name) takes no value") }
                result.options.append(SettingValue(setting, ""))
            } else if name != argument {
                result.options.append(SettingValue(setting, String(argument.dropFirst(name.count + 1))))
            } else {
                index += 1
                guard index < arguments.count else { throw UsageError(message: "\(name) needs a value") }
                result.options.append(SettingValue(setting, arguments[index]))
            }
            index += 1
        }
        guard index < arguments.count else { throw UsageError(message: "no program to run") }
        result.programIndex = index
        return result
    }

    /// The usage text: synopsis, then every option with its environment variable and default.
    public static var help: String {
        var text = """
            \(LogVocabulary.usage): \(LogVocabulary.synopsis)

            Greylists SMTP clients by address in front of qmail-smtpd under tcpserver: passes known,
            whitelisted and relaying clients by exec'ing program; refuses the others with a temporary 451.
            Each option can also be set per connection by its environment variable, which wins.

            options:

            """
        for setting in Setting.allCases {
            let (value, help) = setting.help
            let option = setting.option + (value.isEmpty ? "" : " " + value)
            let gap = option.count < 22 ? String(repeating: " ", count: 22 - option.count) : "\n" + String(repeating: " ", count: 24)
            text += "  " + option + gap + help + "\n"
            text += String(repeating: " ", count: 24) + "env " + setting.environmentVariable + "\n"
        }
        return text + """
              --help                Show this help.
              --version             Show the version.

            Clients with RELAYCLIENT or WHITELISTED in the environment (e.g. from tcp.smtp) always pass.
            TIME is seconds, or a number with s, m, h or d (or ms).
            A switch's variable is on for 1, yes, on, true or empty; off for 0, no, off or false.
            In TEXT, %s is the whole seconds until the client may pass.
            SERVERS is /socket, ip:port or [ipv6]:port; several, comma-separated, are tried in order.
            Exit status: 100 for a usage error, 111 when program cannot be run.

            """
    }
}
