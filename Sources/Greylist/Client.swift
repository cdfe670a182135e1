/// The connecting client as tcpserver's environment presents it, before any lookup (DESIGN §2, steps 1 and 2).
public enum Client: Equatable, Sendable {
    /// Passed whatever its record says: `RELAYCLIENT` or `WHITELISTED` is set (any value, even empty).
    case exempt(Reason)
    /// `TCPREMOTEIP` is missing or not an address: never used as a path, passed with this reason.
    case unidentified(Reason)
    /// A valid address, to look up.
    case address(ClientAddress)

    /// Classifies the client of a connection from its environment.
    public init(environment: Environment) {
        if environment["RELAYCLIENT"] != nil {
            self = .exempt(.relayClient)
        } else if environment["WHITELISTED"] != nil {
            self = .exempt(.whitelisted)
        } else if let text = environment["TCPREMOTEIP"] {
            self = ClientAddress(text).map { .address($0) } ?? .unidentified(.error("bad TCPREMOTEIP"))
        } else {
            self = .unidentified(.error("no TCPREMOTEIP"))
        }
    }
}
