/// A connection's environment variables, looked up by name.
///
/// A short array rather than a `Dictionary`: the wrapper reads about twenty names once, and a `Dictionary`
/// of `String`s makes the Swift runtime scan every protocol conformance at start-up (measured: a third of
/// the wrapper's instructions and most of its resident pages).
public struct Environment: Sendable, ExpressibleByDictionaryLiteral {
    private var variables: [(name: String, value: String)] = []

    /// An empty environment.
    public init() {}

    /// An environment with these variables.
    public init(dictionaryLiteral variables: (String, String)...) {
        for (name, value) in variables { self[name] = value }
    }

    /// The value of the variable `name`, nil if unset; setting nil unsets it.
    public subscript(name: String) -> String? {
        get { variables.first { $0.name == name }?.value }
        set {
            variables.removeAll { $0.name == name }
            if let newValue { variables.append((name, newValue)) }
        }
    }
}

/// A setting's value as given on the command line.
public struct SettingValue: Equatable, Sendable {
    public var setting: Setting
    public var value: String

    /// A value for `setting`.
    public init(_ setting: Setting, _ value: String) { (self.setting, self.value) = (setting, value) }
}
