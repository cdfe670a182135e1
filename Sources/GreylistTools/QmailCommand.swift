import ArgumentParser
import Greylist
import GreylistAdmin
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
    /// prints to stderr and exits 100. Output that could not be written (a full disk, a closed stdout) is a fatal
    /// error, exit 111: a report or summary lost must not look like one delivered.
    public static func runWithQmailExitCodes() -> Never {
        reserveClosedStandardDescriptors()
        let status: ExitStatus
        do {
            status = try parse().execute()
        } catch {
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                print(message)
                exitAfterFlushing(.ok)
            }
            logToStandardError(message + "\n")
            exitAfterFlushing(.badInput)
        }
        exitAfterFlushing(status)
    }

    /// Exits with `status` once standard output is flushed, or with 111 and a message if it cannot be written.
    private static func exitAfterFlushing(_ status: ExitStatus) -> Never {
        if let error = flushStandardOutput() {
            logToStandardError("\(configuration.commandName ?? "cqgreylist"): fatal: unable to write to standard output: \(error)\n")
            GreylistSystem.exit(.systemError)
        }
        GreylistSystem.exit(status)
    }
}
