import Greylist
import GreylistAdmin
import Testing

@Suite struct ClientTests {
    @Test(arguments: [
        (["RELAYCLIENT": "", "TCPREMOTEIP": "192.0.2.7"], Client.exempt(.relayClient)),
        (["WHITELISTED": "1", "TCPREMOTEIP": "junk"], .exempt(.whitelisted)),
        (["TCPREMOTEIP": "192.0.2.7"], .address(ClientAddress("192.0.2.7")!)),
        (["TCPREMOTEIP": ""], .unidentified(.error("bad TCPREMOTEIP"))),
        (["TCPREMOTEIP": "../../etc/x"], .unidentified(.error("bad TCPREMOTEIP"))),
        ([:], .unidentified(.error("no TCPREMOTEIP"))),
    ] as [([String: String], Client)])
    func classification(_ environment: [String: String], _ client: Client) {
        #expect(Client(environment: Environment(environment)) == client)
    }
}
