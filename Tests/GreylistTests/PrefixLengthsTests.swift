import Greylist
import GreylistAdmin
import Testing

@Suite struct PrefixLengthsTests {
    @Test func roundTrip() {
        var lengths = PrefixLengths()
        for key in ["0.0.0.0/0", "192.0.2.0/24", "192.0.2.7/32", "::/0", "2001:db8::/32", "2001:db8::1/128"] {
            let parts = key.split(separator: "/")
            lengths.insert(Network(ClientAddress(String(parts[0]))!, prefixLength: Int(parts[1])!))
        }
        #expect(String(decoding: lengths.bytes, as: UTF8.self) == "4:0,24,32 6:0,32,128")
        #expect(PrefixLengths(bytes: lengths.bytes) == lengths)
        #expect(PrefixLengths(bytes: Array("4: 6:".utf8)) == PrefixLengths())
    }

    @Test(arguments: ["", "4:33 6:", "4:8 6:129", "x", "4:8;6:64", "8 6:64"])
    func rejectsWhatItDidNotWrite(_ text: String) {
        #expect(PrefixLengths(bytes: Array(text.utf8)) == nil)
    }

    @Test func probesOneNetworkPerLengthLongestFirst() {
        var lengths = PrefixLengths()
        lengths.insert(Network(ClientAddress("10.0.0.0")!, prefixLength: 8))
        lengths.insert(Network(ClientAddress("192.0.2.0")!, prefixLength: 24))
        lengths.insert(Network(ClientAddress("2001:db8::")!, prefixLength: 32))
        var probed: [String] = []
        lengths.forEachNetwork(containing: ClientAddress("192.0.2.77")!) { probed.append($0.key); return true }
        #expect(probed == ["192.0.2.0/24", "192.0.0.0/8"])
        probed = []
        lengths.forEachNetwork(containing: ClientAddress("2001:db8:1::5")!) { probed.append($0.key); return false }
        #expect(probed == ["2001:db8::/32"])
    }
}
