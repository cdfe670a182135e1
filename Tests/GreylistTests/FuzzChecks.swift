// The invariants the fuzz targets (tools/fuzz) check on arbitrary bytes, and that the test suite checks on
// the committed corpus. Each returns nil, or what went wrong. Compiled into the fuzz targets too, where the
// core's sources are part of the same module.
#if canImport(Greylist)
import Greylist
import GreylistAdmin
#endif

enum FuzzChecks {
    /// The refusal dialogue fed `bytes` in chunks whose sizes come from the bytes themselves: every reply is one
    /// short CRLF-terminated line with a 3-digit code, at most one per line or limit, and nothing after a close.
    static func dialogue(_ bytes: [UInt8]) -> String? {
        var dialogue = SMTPDialogue(hostname: "mx.fuzz", message: "greylisted")
        var offset = 0, replies = 0, closed = false
        let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count
        while offset < bytes.count {
            let size = Int(bytes[offset] % 64) + 1
            let (text, close) = dialogue.receive(bytes[offset..<min(offset + size, bytes.count)])
            if closed && !text.isEmpty { return "replied after closing" }
            for line in text.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast() {
                replies += 1
                guard line.count >= 4, line.count <= 300, line.prefix(3).allSatisfy(\.isNumber), line.dropFirst(3).first == " ",
                      line.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else { return "malformed reply \(line.debugDescription)" }
            }
            if !text.isEmpty && !text.hasSuffix("\r\n") { return "reply without CRLF" }
            closed = closed || close
            offset += size
        }
        let overlong = bytes.count / (SMTPDialogue.maximumLineLength - 1) + 1
        if replies > lines + overlong { return "\(replies) replies to \(lines) lines" }
        if replies > SMTPDialogue.commandLimit + 1 { return "\(replies) replies past the command limit" }
        return nil
    }

    /// An address parsed from `bytes` has one canonical spelling that parses back to it, and a record key
    /// that is a single safe path component under a directory named by its first octet or group.
    static func address(_ bytes: [UInt8]) -> String? {
        guard let address = ClientAddress(utf8: bytes[...]) else {
            return ClientAddress(String(decoding: bytes, as: UTF8.self)) == nil || bytes.contains(0) ? nil
                : "String and byte parsers disagree on \(bytes)"
        }
        let text = address.text
        guard ClientAddress(text) == address else { return "\(text) does not parse back" }
        for (v4, v6) in [(32, 64), (24, 128), (32, 16)] {
            let key = RecordKey(address: address, ipv4Prefix: v4, ipv6Prefix: v6)
            if key.name.contains("/") || key.name.hasPrefix(".") || key.directory.contains("/") || key.name.isEmpty {
                return "unsafe key \(key.relativePath)"
            }
            if RecordKey(directory: key.directory, name: key.name) != key {
                return "key \(key.relativePath) is not recognised by the cleaner"
            }
        }
        return nil
    }

    /// A whitelist line either fails with a reason or yields networks whose keys parse back as the same networks
    /// and contain the addresses they were made from.
    static func whitelist(_ bytes: [UInt8]) -> String? {
        var networks: [Network] = []
        let entry: WhitelistLine?
        do { entry = try Whitelist.parseLine(bytes[...], maskingHostBits: bytes.first.map { $0 & 1 == 1 } ?? false) { network, _ in networks.append(network) } }
        catch { return error.reason.isEmpty || error.reason.contains("\n") ? "bad reason \(error.reason.debugDescription)" : nil }
        guard let entry else { return networks.isEmpty ? nil : "networks from a blank line" }
        switch entry.name {
        case .host(let pattern)?:
            var key: [UInt8] = []
            pattern.appendKey(to: &key)
            return networks.isEmpty && HostPattern(key: key) == pattern ? nil : "host pattern \(pattern.text) does not round-trip"
        case .spf?:
            return networks.isEmpty ? nil : "networks from an SPF entry before its expansion"
        case nil:
            break
        }
        if networks.isEmpty || networks.count > 16 { return "\(networks.count) networks from one entry" }
        var lengths = PrefixLengths()
        for network in networks {
            var reparsed: [Network] = []
            guard (try? Whitelist.parseLine(Array(network.key.utf8)[...]) { found, _ in reparsed.append(found) }) != nil,
                  reparsed == [network] else { return "key \(network.key) does not parse back" }
            guard network.contains(network.address) else { return "\(network.key) does not contain its address" }
            lengths.insert(network)
        }
        return PrefixLengths(bytes: lengths.bytes) == lengths ? nil : "prefix lengths do not round-trip"
    }
}
