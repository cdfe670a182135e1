import Greylist
import GreylistAdmin
import Testing

@Suite struct RecordNameTests {
    @Test(arguments: [
        ("192", "192.0.2.7", "192.0.2.7"), ("192", "192.0.2", "192.0.2.0"), ("0", "0.0.0.0", "0.0.0.0"),
        ("2001", "2001:db8:1:2::", "2001:db8:1:2::"), ("0", "::", "::"), ("fe80", "fe80::1_128", "fe80::1"),
        ("2001", "2001:db8:1::_48", "2001:db8:1::"), ("2001", "2001::_16", "2001::"),
    ])
    func recordNames(_ directory: String, _ name: String, _ address: String) throws {
        let key = try #require(RecordKey(directory: directory, name: name))
        #expect(key.address == ClientAddress(address))
        #expect(key.relativePath == directory + "/" + name)
    }

    @Test(arguments: [
        ("10", "192.0.2.7"), ("192", "192.0.2.07"), ("192", "192.0.2.7.tmp"), ("192", ".clean"), ("192", "junk"),
        ("2001", "2001:DB8::"), ("2001", "2001:0db8::"), ("2002", "2001:db8::"), ("0", "::ffff:1.2.3.4"),
        ("192", "192.0"), ("192", "192.0.2."), ("192", ""), ("x", "192.0.2.7"),
        ("fe80", "fe80::1"), ("2001", "2001:db8:1::_64"), ("2001", "2001:db8:1::_15"), ("2001", "2001:db8:1::_129"),
        ("2001", "2001:db8:1::1_48"), ("2001", "2001:db8:1::_048"), ("2001", "2001:db8:1::_"), ("192", "192.0.2.7_32"),
    ])
    func foreignNames(_ directory: String, _ name: String) {
        #expect(RecordKey(directory: directory, name: name) == nil)
    }
}
