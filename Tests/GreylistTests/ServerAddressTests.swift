import Greylist
import Testing

/// The one grammar of server addresses, for Redis servers and the whitelist compiler's DNS servers.
@Suite struct ServerAddressTests {
    @Test(arguments: [
        ("192.0.2.7:6379", false, "192.0.2.7:6379"), ("[2001:db8::1]:6379", false, "[2001:db8::1]:6379"),
        ("127.0.0.1:06379", false, "127.0.0.1:6379"), ("127.0.0.1:65535", false, "127.0.0.1:65535"),
        ("192.0.2.7", true, "192.0.2.7"), ("::1", true, "::1"), ("[::1]:53", true, "[::1]:53"), ("10.0.0.1:53", true, "10.0.0.1:53"),
    ] as [(String, Bool, String)])
    func goodAddresses(_ text: String, _ portOptional: Bool, _ written: String) {
        #expect(ServerAddress(text, portOptional: portOptional)?.description == written)
    }

    @Test(arguments: [
        ("192.0.2.7", false), ("redis.local:6379", false), ("localhost:53", true), ("::1:6379", false), ("[192.0.2.7]:6379", false),
        ("[::1]", true), ("192.0.2.7:", false), ("192.0.2.7:0", false), ("192.0.2.7:65536", false), ("192.0.2.7:000053", true),
        ("192.0.2.7:+53", false), ("192.0.2.7:53 ", false), (" 192.0.2.7:53", false), ("", true), ("[::1]:6379x", false),
    ] as [(String, Bool)])
    func badAddresses(_ text: String, _ portOptional: Bool) {
        #expect(ServerAddress(text, portOptional: portOptional) == nil)
    }
}
