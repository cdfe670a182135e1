import Greylist
import Testing

@Suite struct RedisRequestTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let testDescription: String
        let commands: [[String]]
        let wire: String
    }

    static let rows = [
        Row(testDescription: "one command of one argument", commands: [["TIME"]], wire: "*1\r\n$4\r\nTIME\r\n"),
        Row(testDescription: "a key", commands: [["GET", "cqgreylist:192.0.2.7"]],
            wire: "*2\r\n$3\r\nGET\r\n$20\r\ncqgreylist:192.0.2.7\r\n"),
        Row(testDescription: "pipelined, in order", commands: [["ROLE"], ["TIME"], ["GET", "k"]],
            wire: "*1\r\n$4\r\nROLE\r\n*1\r\n$4\r\nTIME\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
        Row(testDescription: "an empty argument", commands: [["SET", "k", ""]], wire: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"),
        Row(testDescription: "line ends and spaces inside an argument are counted, not escaped",
            commands: [["AUTH", "a b\r\nc"]], wire: "*2\r\n$4\r\nAUTH\r\n$6\r\na b\r\nc\r\n"),
        Row(testDescription: "no commands", commands: [], wire: ""),
    ]

    @Test(arguments: rows)
    func encodesAsRESP(_ row: Row) {
        #expect(RedisRequest.encode(row.commands.map { $0.map { Array($0.utf8) } }) == Array(row.wire.utf8))
    }

    @Test func argumentsMayHoldAnyByte() {
        let argument: [UInt8] = [0, 255, 13, 10, 36]
        #expect(RedisRequest.encode([[argument]]) == Array("*1\r\n$5\r\n".utf8) + argument + Array("\r\n".utf8))
    }
}
