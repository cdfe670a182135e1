/// The one rule for a host name that "looks dynamic" (DESIGN §2, selective mode): a name an ISP gives an address
/// of a pool, not a mail server's own name. Either the client's own address is spelled in it (its four octets
/// forward or reversed, in decimal with dashes, dots, underscores or nothing between them, zero-padded or not,
/// or as eight hex digits), or a label holds a generic pool word as a whole word (`dsl`, `dyn`, `dynamic`,
/// `dhcp`, `pool`, `cable`, `ppp`, `dial`, `client`, `broadband`, `static`, `ip`, and the like), where a label's
/// words are its runs of letters (`adsl-75-18`, `ip68`, `cpe-`, `dyn.`).
public enum DynamicHostName {
    /// The generic pool words, each matched as a whole run of letters within a label.
    public static let poolWords: Set<String> = [
        "dsl", "adsl", "vdsl", "xdsl", "sdsl", "hdsl", "dyn", "dynamic", "dynamicip", "dynip", "dhcp", "pool", "pools",
        "cable", "cablemodem", "ppp", "pppoe", "pppoa", "dial", "dialup", "dialin", "client", "clients", "broadband",
        "static", "ip", "ips", "cpe", "cust", "customer", "customers", "res", "resident", "residential", "subscriber",
        "dip", "ftth", "fttb", "fttc", "fttp", "wireless", "wlan", "mobile", "cgnat", "hsd", "catv", "bredband", "dynamisch", "abo",
    ]

    /// Whether `name` (a verified host name, any case) looks dynamic for the client at `address`.
    public static func looksDynamic(_ name: String, address: ClientAddress) -> Bool {
        let lower = Array(name.utf8.map { (0x41...0x5a).contains($0) ? $0 | 0x20 : $0 })
        return spellsAddress(lower, address) || holdsPoolWord(lower)
    }

    /// Whether a label of `name` holds a pool word as a whole run of letters.
    static func holdsPoolWord(_ name: [UInt8]) -> Bool {
        var word: [UInt8] = []
        for byte in name + [UInt8(ascii: ".")] {
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) { word.append(byte); continue }
            if !word.isEmpty, poolWords.contains(String(decoding: word, as: UTF8.self)) { return true }
            word.removeAll(keepingCapacity: true)
        }
        return false
    }

    /// Whether `name` spells the IPv4 `address` (for an IPv6 client: no, names of IPv6 pools spell little that is
    /// regular), not as part of a longer number.
    static func spellsAddress(_ name: [UInt8], _ address: ClientAddress) -> Bool {
        guard case .v4(let value) = address else { return false }
        let octets = [24, 16, 8, 0].map { Int(value >> UInt32($0) & 0xff) }
        var spellings: [[UInt8]] = []
        for order in [octets, Array(octets.reversed())] {
            for separator in ["-", ".", "_", ""] {
                spellings.append(Array(order.map { String($0) }.joined(separator: separator).utf8))
                spellings.append(Array(order.map { padded($0) }.joined(separator: separator).utf8))
            }
            spellings.append(Array(order.map { hex($0) }.joined().utf8))
        }
        return spellings.contains { contains(name, $0) }
    }

    /// Whether `part` stands in `name` with no digit (or hex digit, for a hex part) on either side.
    static func contains(_ name: [UInt8], _ part: [UInt8]) -> Bool {
        guard part.count <= name.count else { return false }
        let isHex = part.count == 8 && !part.contains(where: { !isHexDigit($0) }) && part.contains(where: { $0 >= UInt8(ascii: "a") })
        for start in 0...(name.count - part.count) where name[start..<start + part.count].elementsEqual(part) {
            let before = start > 0 ? name[start - 1] : nil, after = start + part.count < name.count ? name[start + part.count] : nil
            let joins = { (byte: UInt8?) in byte.map { isHex ? isHexDigit($0) : isDigit($0) } ?? false }
            if !joins(before) && !joins(after) { return true }
        }
        return false
    }

    private static func padded(_ octet: Int) -> String { (octet < 10 ? "00" : octet < 100 ? "0" : "") + String(octet) }
    private static func hex(_ octet: Int) -> String { (octet < 16 ? "0" : "") + String(octet, radix: 16) }
    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) }
}
