/// The SMTP dialogue that refuses a greylisted client: a state machine over bytes, replying to each line in order.
///
/// Lines longer than `maximumLineLength` bytes (counting CR LF) get one `500` and are discarded to their end;
/// at most `maximumLineLength` bytes are ever held. After `commandLimit` lines the client gets `421`.
public struct SMTPDialogue: Sendable {
    /// RFC 5321's limit for a text line, CR LF included.
    public static let maximumLineLength = 1000
    /// How many lines a client may send before it is told to go away.
    public static let commandLimit = 50

    private let hostname: String
    private let message: String
    private var commands = 0
    private var nullSender = false
    private var partialLine: [UInt8] = []
    private var discardingLine = false
    private var closed = false

    /// Creates a dialogue naming `hostname` in its replies and refusing with `message`.
    public init(hostname: String, message: String) {
        (self.hostname, self.message) = (hostname, message)
        partialLine.reserveCapacity(Self.maximumLineLength)
    }

    /// The greeting sent on connect.
    public var greeting: String { "220 \(hostname) ESMTP\r\n" }

    /// The reply when the client has been silent too long; the connection then closes.
    public var timeoutReply: String { "421 \(hostname) timeout, closing connection\r\n" }

    /// Replies to bytes as they arrive, in order; `close` says the dialogue is over (and it stays over).
    public mutating func receive(_ bytes: some Collection<UInt8>) -> (replies: String, close: Bool) {
        guard !closed else { return ("", true) }
        var replies = ""
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                let (reply, close) = discardingLine ? (nil, false) : reply(to: partialLine[...])
                partialLine.removeAll(keepingCapacity: true)
                discardingLine = false
                if let reply { replies += reply }
                if close { closed = true; return (replies, true) }
            } else if discardingLine {
                continue
            } else if partialLine.count == Self.maximumLineLength - 1 {
                partialLine.removeAll(keepingCapacity: true)
                discardingLine = true
                let (reply, close) = count("500 line too long\r\n")
                replies += reply
                if close { closed = true; return (replies, true) }
            } else {
                partialLine.append(byte)
            }
        }
        return (replies, false)
    }

    /// Replies to one line (without its LF; a trailing CR is ignored).
    public mutating func reply(to line: ArraySlice<UInt8>) -> (reply: String, close: Bool) {
        let line = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        let verbEnd = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
        let word = line[..<verbEnd]
        let verb = word.allSatisfy(Self.isLetter) ? String(decoding: word.map(Self.uppercased), as: UTF8.self) : ""
        let argument = line[verbEnd...].drop { $0 == UInt8(ascii: " ") }
        switch verb {
        case "HELO", "EHLO": return count("250 \(hostname)\r\n")
        case "MAIL":
            nullSender = Self.isNullSender(argument)
            return count("250 ok\r\n")
        case "RSET":
            nullSender = false
            return count("250 ok\r\n")
        case "NOOP": return count("250 ok\r\n")
        case "RCPT": return count(nullSender ? "250 ok\r\n" : "451 \(message)\r\n")
        case "DATA", "BDAT": return count("451 \(message)\r\n")
        case "STARTTLS": return count("454 TLS not available\r\n")
        case "QUIT": return (count("221 \(hostname) closing connection\r\n").reply, true)
        default: return count("502 command not implemented\r\n")
        }
    }

    /// Counts one command; past the limit, its reply becomes `421` and the dialogue ends.
    private mutating func count(_ reply: String) -> (reply: String, close: Bool) {
        commands += 1
        return commands > Self.commandLimit ? ("421 \(hostname) too many commands, closing connection\r\n", true) : (reply, false)
    }

    /// Whether a MAIL argument is `FROM:<>`, any case, spaces allowed after the colon, parameters after.
    private static func isNullSender(_ argument: ArraySlice<UInt8>) -> Bool {
        guard argument.prefix(5).map(uppercased).elementsEqual("FROM:".utf8) else { return false }
        let address = argument.dropFirst(5).drop { $0 == UInt8(ascii: " ") }
        return address.starts(with: "<>".utf8) && (address.count == 2 || address.dropFirst(2).first == UInt8(ascii: " "))
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte
    }
}

extension SMTPDialogue {
    /// The refusal text `message` with each `%s` replaced by `seconds`, the whole seconds until the client may
    /// pass (postgrey's greylist text has it): `451 greylisted, please retry in 287 seconds`.
    public static func refusalText(_ message: String, secondsUntilPass seconds: Seconds) -> String {
        var text = "", rest = message[...]
        while let percent = rest.utf8.firstIndex(of: UInt8(ascii: "%")) {
            let next = rest.utf8.index(after: percent)
            if next < rest.endIndex, rest.utf8[next] == UInt8(ascii: "s") {
                text += rest[..<percent] + "\(seconds)"
                rest = rest[rest.utf8.index(after: next)...]
            } else {
                text += rest[...percent]
                rest = rest[next...]
            }
        }
        return text + rest
    }
}

extension Verdict {
    /// Whole seconds until the client may pass: what the delay has left for an early retry, the whole delay for
    /// a client refused otherwise (new, started over, or a store fault with `--fail-closed`).
    public func secondsUntilPass(delay: Seconds) -> Seconds {
        if case .refuse(.early) = outcome, let age { return max(1, delay - age) }
        return delay
    }
}

