/// A connection's environment variables, looked up by name.
///
/// A lookup function rather than a `Dictionary`: the wrapper reads a few names once, and building a
/// `Dictionary` of `String`s makes the Swift runtime scan every protocol conformance at start-up
/// (measured: a third of the wrapper's instructions and most of its resident pages).
public struct Environment: Sendable, ExpressibleByDictionaryLiteral {
    private let lookup: @Sendable (String) -> String?

    /// An environment that asks `lookup` for each name (the wrapper passes `getenv`).
    public init(lookup: @escaping @Sendable (String) -> String?) { self.lookup = lookup }

    /// An environment holding exactly `variables`.
    public init(_ variables: [String: String]) { self.init(lookup: { variables[$0] }) }

    /// An environment holding exactly these variables.
    public init(dictionaryLiteral variables: (String, String)...) {
        var dictionary: [String: String] = [:]   // not Dictionary(_:uniquingKeysWith:), which casts dynamically
        for (name, value) in variables { dictionary[name] = value }   // the last one wins
        self.init(dictionary)
    }

    /// The value of the variable `name`, nil if unset.
    public subscript(name: String) -> String? { lookup(name) }
}

/// A setting's value as given on the command line.
public struct SettingValue: Equatable, Sendable {
    /// The setting given.
    public var setting: Setting
    /// Its value as written on the command line.
    public var value: String

    /// A value for `setting`.
    public init(_ setting: Setting, _ value: String) { (self.setting, self.value) = (setting, value) }
}
