import Greylist
import GreylistAdmin
import Testing

struct AddressCase: CustomTestStringConvertible, Sendable {
    let input: String
    let canonical: String?
    var testDescription: String { "\(input.debugDescription) → \(canonical ?? "invalid")" }
    init(_ input: String, _ canonical: String?) { (self.input, self.canonical) = (input, canonical) }
}

@Suite struct ClientAddressTests {
    static let cases: [AddressCase] = [
        .init("192.0.2.7", "192.0.2.7"),
        .init("0.0.0.0", "0.0.0.0"),
        .init("255.255.255.255", "255.255.255.255"),
        .init("::ffff:192.0.2.7", "192.0.2.7"),
        .init("::FFFF:c000:0207", "192.0.2.7"),
        .init("2001:DB8::1", "2001:db8::1"),
        .init("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        .init("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        .init("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        .init("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        .init("::", "::"),
        .init("::1", "::1"),
        .init("1::", "1::"),
        .init("::192.0.2.7", "::c000:207"),
        .init("64:ff9b::192.0.2.7", "64:ff9b::c000:207"),
        .init("fe80::1:2:3:4:5:6", "fe80:0:1:2:3:4:5:6"),
        .init("", nil),
        .init("192.0.2", nil),
        .init("192.0.2.7.1", nil),
        .init("192.0.2.256", nil),
        .init("192.0.2.07", nil),
        .init("192.0.2.+7", nil),
        .init(" 192.0.2.7", nil),
        .init("192.0.2.7\n", nil),
        .init("../../etc/x", nil),
        .init("fe80::1%eth0", nil),
        .init("[::1]", nil),
        .init("2001:db8::1::1", nil),
        .init(":::", nil),
        .init("1:2:3:4:5:6:7:8:9", nil),
        .init("1:2:3:4:5:6:7", nil),
        .init("1:2:3:4:5:6:7::8", nil),
        .init("12345::1", nil),
        .init("+1::1", nil),
        .init("::g", nil),
        .init("::1.2.3.4:5", nil),
        .init("192.0.2.7::", nil),
        .init(String(repeating: "1", count: 5000), nil),
        .init("１９２.0.2.7", nil),
        .init("\u{0}192.0.2.7", nil),
    ]

    @Test(arguments: cases)
    func parsesStrictlyToOneSpelling(_ row: AddressCase) {
        #expect(ClientAddress(row.input)?.text == row.canonical)
    }

    @Test func mappedAddressIsIPv4() {
        #expect(ClientAddress("::ffff:10.1.2.3") == .v4(0x0a01_0203))
        #expect(ClientAddress("::ffff:10.1.2.3")?.isIPv4 == true)
        #expect(ClientAddress("::1")?.isIPv4 == false)
    }

    @Test func masking() {
        #expect(ClientAddress("192.0.2.7")!.masked(to: 24).text == "192.0.2.0")
        #expect(ClientAddress("192.0.2.7")!.masked(to: 0).text == "0.0.0.0")
        #expect(ClientAddress("2001:db8:1:2:3:4:5:6")!.masked(to: 64).text == "2001:db8:1:2::")
        #expect(ClientAddress("2001:db8:1:2:3:4:5:6")!.masked(to: 128).text == "2001:db8:1:2:3:4:5:6")
    }
}
