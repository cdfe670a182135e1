import Greylist

/// Writes `text` to stderr with `write(2)`: nothing is buffered, so nothing is lost at exec. A stderr that is
/// closed, or a pipe whose reader has gone, loses the text but stops nothing.
public func logToStandardError(_ text: String) {
    try? writeAllWithoutSIGPIPE(text, to: 2)
}

/// Execs argv[index...] as it came; if that fails, logs why and exits 111, qmail's temporary failure.
public func passConnection(toProgramAt index: Int, name: String, program: String) -> Never {
    let error = replaceProcess(withProgramAt: index)
    logToStandardError(LogLine.notice(.fatal, "unable to run \(LogLine.escaped(name)): \(error)", program: program, pid: processID()))
    exit(.systemError)
}

/// The host name for replies: the configured or tcpserver's name, else qmail's control/me, else `localhost`.
public func replyHostname(configured: String?, controlFile: String = "/var/qmail/control/me") -> String {
    if let configured { return configured }
    let firstLine = ((try? readFile(atPath: controlFile, limit: 256)) ?? nil)?.contents.split(separator: UInt8(ascii: "\n")).first
    let name = firstLine.map { String(decoding: $0, as: UTF8.self) }
    return name.flatMap { Settings.isPrintableWord($0) ? $0 : nil } ?? "localhost"
}

/// Speaks the refusal dialogue on stdin/stdout until QUIT, end of input, a limit or the timeout; then exits 0.
///
/// Only this path ignores SIGPIPE and sets an alarm (a backstop for a client that stops reading our replies).
public func runRefusalDialogue(hostname: String, message: String, timeout: Seconds) -> Never {
    ignoreBrokenPipe()
    scheduleAlarm(after: timeout + 5)
    let deadline = monotonicMilliseconds() + timeout * 1000
    var dialogue = SMTPDialogue(hostname: hostname, message: message)
    var buffer = [UInt8](repeating: 0, count: 4096)
    func send(_ replies: String, thenClose close: Bool = false) {
        do { try writeAll(replies, to: 1) } catch { exit(.ok) }
        if close { exit(.ok) }
    }
    send(dialogue.greeting)
    while true {
        let count: Int?
        do {
            count = try readInput(from: 0, into: &buffer, waitingAtMost: max(0, deadline - monotonicMilliseconds()))
        } catch {
            exit(.ok)
        }
        guard let count else { send(dialogue.timeoutReply); exit(.ok) }
        guard count > 0 else { exit(.ok) }
        let (replies, close) = dialogue.receive(buffer[..<count])
        send(replies, thenClose: close)
    }
}
