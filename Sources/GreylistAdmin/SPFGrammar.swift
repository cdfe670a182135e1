import Greylist

/// RFC 7208's grammar for what SPF terms name (section 7.1 and the ABNF of sections 4.6.1 and 5), checked when a
/// record is parsed, before any term is evaluated: a term that breaks it makes the whole record a permerror.
enum SPFGrammar {
    /// Whether `text` is a domain-spec: a macro-string that ends in a macro (`%{d}`) or in `.` and a top-level
    /// label (`.com`, `.com.`). `museum` and an empty text are not; `foo:bar/baz.example.com` is.
    static func isDomainSpec(_ text: ArraySlice<UInt8>) -> Bool {
        guard let endsInMacro = macroStringEndsInMacro(text) else { return false }
        if endsInMacro { return true }
        var name = text
        if name.last == UInt8(ascii: ".") { name = name.dropLast() }
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")) else { return false }
        return isTopLabel(name[(dot + 1)...])
    }

    /// Whether `text` is a macro-string (visible ASCII but `%`, and macros `%{…}`, `%%`, `%_`, `%-`); it may be empty.
    static func isMacroString(_ text: ArraySlice<UInt8>) -> Bool { macroStringEndsInMacro(text) != nil }

    /// Whether `name` is a modifier's name: a letter, then letters, digits, `-`, `_` and `.`.
    static func isModifierName(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first, isAlpha(first) else { return false }
        return name.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// nil if `text` is no macro-string; otherwise whether its last part is a macro (false when it is empty).
    private static func macroStringEndsInMacro(_ text: ArraySlice<UInt8>) -> Bool? {
        var index = text.startIndex, endsInMacro = false
        while index < text.endIndex {
            let byte = text[index]
            guard byte == UInt8(ascii: "%") else {
                guard (0x21...0x7e).contains(byte) else { return nil }
                (index, endsInMacro) = (index + 1, false)
                continue
            }
            guard index + 1 < text.endIndex else { return nil }
            switch text[index + 1] {
            case UInt8(ascii: "%"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                index += 2
            case UInt8(ascii: "{"):
                guard let close = text[(index + 2)...].firstIndex(of: UInt8(ascii: "}")),
                      isMacroBody(text[(index + 2)..<close]) else { return nil }
                index = close + 1
            default:
                return nil
            }
            endsInMacro = true
        }
        return endsInMacro
    }

    /// A macro between its braces: a macro letter, digits, an optional `r`, then delimiters (`d2r.`, `i`, `l-`).
    private static func isMacroBody(_ body: ArraySlice<UInt8>) -> Bool {
        guard let letter = body.first, Array("slodiphcrtv".utf8).contains(lowercase(letter)) else { return false }
        var rest = body.dropFirst().drop { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        if let first = rest.first, lowercase(first) == UInt8(ascii: "r") { rest = rest.dropFirst() }
        return rest.allSatisfy { Array(".-+,/_=".utf8).contains($0) }
    }

    /// A top-level label: letters, digits and `-`, not starting or ending with `-`, and not all digits.
    private static func isTopLabel(_ label: ArraySlice<UInt8>) -> Bool {
        guard let first = label.first, let last = label.last, isAlphanumeric(first), isAlphanumeric(last),
              label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
        return label.contains(where: isAlpha) || label.contains(UInt8(ascii: "-"))
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lowercase(byte)) }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isAlpha(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
