import Foundation
import Testing

/// The refusal dialogue against hostile and odd clients, through the built wrapper.
@Suite struct RefusalDialogueTests {
    let state: TemporaryDirectory
    let environment: [String: String]
    init() throws {
        state = try TemporaryDirectory()
        environment = ["TCPREMOTEIP": "203.0.113.5", "CQGREYLIST_DIR": state.path, "CQGREYLIST_HOSTNAME": "mx.test",
                       "CQGREYLIST_TIMEOUT": "1", "W": Built.wrapper]
    }

    func replies(_ output: String) -> [String] { output.split(separator: "\r\n").map(String.init) }

    @Test func pipelinedCommandsAreAnsweredInOrder() throws {
        let input = Data("HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<b@c>\r\nDATA\r\nRSET\r\nHELOX\r\nSTARTTLS\r\nQUIT\r\nNOOP\r\n".utf8)
        let result = try run(Built.wrapper, ["/bin/false"], environment: environment, input: input)
        #expect(replies(result.output) == ["220 mx.test ESMTP", "250 mx.test", "250 ok", "250 ok",
                                            "451 greylisted, please try again later", "250 ok", "502 command not implemented",
                                            "454 TLS not available", "221 mx.test closing connection"])
        #expect(result.status == 0)
    }

    @Test func aSilentClientGets421AfterTheTimeout() throws {
        let result = try shell(#"sleep 4 | "$W" /bin/false"#, environment: environment)
        #expect(replies(result.output) == ["220 mx.test ESMTP", "421 mx.test timeout, closing connection"])
    }

    @Test func aClientThatClosesMidLineGetsNoReplyToIt() throws {
        let result = try run(Built.wrapper, ["/bin/false"], environment: environment, input: Data("HELO a\r\nNOOP".utf8))
        #expect(replies(result.output) == ["220 mx.test ESMTP", "250 mx.test"])
        #expect(result.status == 0)
    }

    @Test func aThousandCommandsGet421AfterFifty() throws {
        let input = Data(String(repeating: "NOOP\r\n", count: 1000).utf8)
        let result = try run(Built.wrapper, ["/bin/false"], environment: environment, input: input)
        #expect(replies(result.output) == ["220 mx.test ESMTP"] + Array(repeating: "250 ok", count: 50)
                + ["421 mx.test too many commands, closing connection"])
    }

    @Test func binaryJunkWithNULsAndBareLFsDoesNotCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let junk = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let result = try run(Built.wrapper, ["/bin/false"], environment: environment, input: junk)
        #expect(result.status == 0)
        #expect(replies(result.output).allSatisfy { $0.count < 100 })
    }

    @Test func aTenMegabyteLineKeepsMemoryFlat() throws {
        let measure = #"/usr/bin/time -f 'maxrss=%M' -o "$TMPDIR/rss" "$W" /bin/false; cat "$TMPDIR/rss" >&2"#
        var environment = environment
        environment["TMPDIR"] = state.path
        let small = try shell("printf 'NOOP' | " + measure, environment: environment)
        let large = try shell("head -c 10000000 /dev/zero | tr '\\0' A | " + measure, environment: environment)
        #expect(replies(large.output) == ["220 mx.test ESMTP", "500 line too long"])
        func kilobytes(_ errors: String) -> Int { Int(errors.split(separator: "maxrss=").last?.prefix { $0.isNumber } ?? "") ?? -1 }
        #expect(kilobytes(small.errors) > 0)
        #expect(kilobytes(large.errors) - kilobytes(small.errors) < 1024, "peak RSS grew with the line: \(small.errors) \(large.errors)")
    }
}
