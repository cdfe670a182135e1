import Greylist
import GreylistAdmin
import Testing

struct KeyCase: CustomTestStringConvertible, Sendable {
    let address: String, ipv4Prefix: Int, ipv6Prefix: Int, path: String
    var testDescription: String { "\(address) /\(address.contains(":") && !address.hasPrefix("::ffff") ? ipv6Prefix : ipv4Prefix) → \(path)" }
}

@Suite struct RecordKeyTests {
    static let cases: [KeyCase] = [
        .init(address: "192.0.2.7", ipv4Prefix: 32, ipv6Prefix: 64, path: "192/192.0.2.7"),
        .init(address: "10.0.0.1", ipv4Prefix: 32, ipv6Prefix: 64, path: "10/10.0.0.1"),
        .init(address: "192.0.2.7", ipv4Prefix: 24, ipv6Prefix: 64, path: "192/192.0.2"),
        .init(address: "0.1.2.3", ipv4Prefix: 24, ipv6Prefix: 64, path: "0/0.1.2"),
        .init(address: "198.51.100.7", ipv4Prefix: 19, ipv6Prefix: 64, path: "198/198.51.96.0_19"),
        .init(address: "198.51.100.7", ipv4Prefix: 16, ipv6Prefix: 64, path: "198/198.51.0.0_16"),
        .init(address: "198.51.100.7", ipv4Prefix: 31, ipv6Prefix: 64, path: "198/198.51.100.6_31"),
        .init(address: "::ffff:198.51.100.7", ipv4Prefix: 22, ipv6Prefix: 64, path: "198/198.51.100.0_22"),
        .init(address: "::ffff:192.0.2.7", ipv4Prefix: 32, ipv6Prefix: 64, path: "192/192.0.2.7"),
        .init(address: "2001:db8:1:2:3:4:5:6", ipv4Prefix: 32, ipv6Prefix: 64, path: "2001/2001:db8:1:2::"),
        .init(address: "2001:db8:1:2:ffff::1", ipv4Prefix: 32, ipv6Prefix: 64, path: "2001/2001:db8:1:2::"),
        .init(address: "2001:db8:1:2:3:4:5:6", ipv4Prefix: 32, ipv6Prefix: 128, path: "2001/2001:db8:1:2:3:4:5:6_128"),
        .init(address: "2001:db8:1:2:3:4:5:6", ipv4Prefix: 32, ipv6Prefix: 48, path: "2001/2001:db8:1::_48"),
        .init(address: "2001:db8:1:2:3:4:5:6", ipv4Prefix: 32, ipv6Prefix: 16, path: "2001/2001::_16"),
        .init(address: "::1", ipv4Prefix: 32, ipv6Prefix: 64, path: "0/::"),
        .init(address: "fe80::1", ipv4Prefix: 32, ipv6Prefix: 64, path: "fe80/fe80::"),
    ]

    @Test(arguments: cases)
    func layout(_ row: KeyCase) {
        let key = RecordKey(address: ClientAddress(row.address)!, ipv4Prefix: row.ipv4Prefix, ipv6Prefix: row.ipv6Prefix)
        #expect(key.relativePath == row.path)
        #expect(!key.name.contains("/") && key.name != "." && key.name != "..")
        #expect(RecordKey(directory: key.directory, name: key.name) == key)
    }

    /// Every IPv4 prefix length names its keys apart: no /19 key is an address's or a /24's or another length's.
    @Test func keysOfDifferentIPv4PrefixLengthsNeverShareAName() {
        var owners: [String: Int] = [:]
        for length in RecordKey.ipv4PrefixLengths {
            let key = RecordKey(address: ClientAddress("198.51.100.7")!, ipv4Prefix: length, ipv6Prefix: 64)
            #expect(owners[key.relativePath] == nil, "\(key.relativePath)")
            owners[key.relativePath] = length
            #expect(RecordKey(name: Array(key.name.utf8)) == key)
        }
    }

    @Test(arguments: ["198.51.100.0_24", "198.51.100.7_19", "198.51.96.0_32", "198.51.96.0_15", "198.51.96.0_019", "198.51.96.0_",
                      "198.51.96.0_19_19", "198.51.096.0_19", "0.0.0.0_0"])
    func namesThatAreNoIPv4Key(_ name: String) {
        #expect(RecordKey(name: Array(name.utf8)) == nil)
    }

    /// `2001:db8:1::` is the /48 of one address, the /64 of another and the /128 of a third: a per-netblock
    /// prefix setting must not let one pass on another's record.
    @Test func keysOfDifferentIPv6PrefixLengthsNeverShareAName() {
        let addresses = ["2001:db8:1::", "2001:db8:1::1", "2001:db8:1:0:ffff::", "2001:db8:1:ff::"].map { ClientAddress($0)! }
        var owners: [String: (String, Int)] = [:]
        for address in addresses {
            for length in RecordKey.ipv6PrefixLengths {
                let key = RecordKey(address: address, ipv4Prefix: 32, ipv6Prefix: length)
                if let owner = owners[key.relativePath] {
                    #expect(owner.1 == length, "\(key.relativePath): /\(length) of \(address.text) and /\(owner.1) of \(owner.0)")
                }
                owners[key.relativePath] = (address.text, length)
            }
        }
    }
}
