import ArgumentParser
import Greylist
import GreylistSystem

/// A command of the administrator's tools: parsed by ArgumentParser, but exiting with qmail's codes
/// (100 for a usage error, where ArgumentParser would use 64).
public protocol QmailCommand: ParsableCommand {
    /// Does the work; the result is the exit status.
    func execute() -> ExitStatus
}

extension QmailCommand {
    /// Says `text` on stderr as the program's fatal error (`cqgreylist-report: fatal: …`) and gives back `status`,
    /// for `return fatal(…, .badInput)`.
    public func fatal(_ text: String, _ status: ExitStatus) -> ExitStatus {
        logToStandardError("\(Self.configuration.commandName ?? "cqgreylist"): fatal: \(text)\n")
        return status
    }

    /// Parses the command line, runs the command and exits: `--help` prints and exits 0, a usage error
    /// prints to stderr and exits 100.
    public static func runWithQmailExitCodes() -> Never {
        do {
            GreylistSystem.exit(try parse().execute())
        } catch {
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                print(message)
                GreylistSystem.exit(.ok)
            }
            logToStandardError(message + "\n")
            GreylistSystem.exit(.badInput)
        }
    }
}
