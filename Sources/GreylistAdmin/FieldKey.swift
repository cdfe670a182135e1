/// The text of a log line's field (a client key, a whitelist entry) as a dictionary key, made without a String:
/// a record key in its canonical spelling as a 9-byte `ClientKey` (nearly every client), anything else (whitelist
/// entries such as `10.`, `.example.org` or `spf:…`, keys no wrapper spells so) as its bytes. The field is printable
/// ASCII, as the wrapper writes it.
enum FieldKey: Hashable, Sendable {
    case short(ClientKey), long([UInt8])

    /// The field at `range` of `line`.
    init(_ line: Span<UInt8>, _ range: Range<Int>) {
        if let short = ClientKey(line, range) {
            self = .short(short)
            return
        }
        var bytes: [UInt8] = []
        for index in range { bytes.append(line[index]) }
        self = .long(bytes)
    }

    /// The field as text.
    var text: String {
        switch self {
        case .short(let key): key.text
        case .long(let bytes): String(decoding: bytes, as: UTF8.self)
        }
    }

    static func == (a: FieldKey, b: FieldKey) -> Bool {
        switch (a, b) {
        case (.short(let a), .short(let b)): a == b
        case (.long(let a), .long(let b)): a == b
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .short(let key): hasher.combine(key.hash(seed: 0))
        case .long(let bytes): hasher.combine(bytes)
        }
    }
}
