/// Commands as they go to a Redis server (its protocol, RESP): each an array of bulk strings,
/// `*2\r\n$3\r\nGET\r\n$20\r\ncqgreylist:192.0.2.7\r\n`. Replies come back through hiredis's reader.
public enum RedisRequest {
    /// `commands` (each a list of arguments, any bytes) as one request, in order.
    public static func encode(_ commands: [[[UInt8]]]) -> [UInt8] {
        var output: [UInt8] = []
        for command in commands {
            appendLine(UInt8(ascii: "*"), command.count, to: &output)
            for argument in command {
                appendLine(UInt8(ascii: "$"), argument.count, to: &output)
                output += argument
                output += lineEnd
            }
        }
        return output
    }

    private static let lineEnd: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]

    /// Appends `*3` or `$20` and the line's end.
    private static func appendLine(_ marker: UInt8, _ count: Int, to output: inout [UInt8]) {
        output.append(marker)
        output += String(count).utf8
        output += lineEnd
    }
}
