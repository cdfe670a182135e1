/// Bad values found by `Settings(strictly:options:environment:)`, one sentence each.
public struct SettingsError: Error, Equatable, Sendable {
    /// What is wrong, e.g. `bad --lifetime value "90days": not a duration like 300, 300s, 5m, 1h or 1d`.
    public var problems: [String]
    /// Creates the error.
    public init(problems: [String]) { self.problems = problems }
}

/// Everything the wrapper needs to decide one connection.
public struct Settings: Equatable, Sendable {
    /// The state directory.
    public var directory = "/var/qmail/cqgreylist"
    /// The compiled whitelist.
    public var whitelist = "/var/qmail/control/cqgreylist.cdb"
    /// Delay, retry window and lifetime.
    public var policy = Policy(delay: 300, window: 86_400, lifetime: 36 * 86_400)
    /// Bits of an IPv4 address a record key keeps: 16 to 32.
    public var ipv4Prefix = 32
    /// Bits of an IPv6 address a record key keeps.
    public var ipv6Prefix = 64
    /// How long a refusal dialogue may last.
    public var timeout: Seconds = 60
    /// The name in replies when configured or given by tcpserver; nil means control/me, else localhost.
    public var hostname: String?
    /// The text of the temporary refusal.
    public var message = "greylisted, please try again later"
    /// Decide and log, but pass every client.
    public var logOnly = false
    /// Refuse clients when the record store fails.
    public var failClosed = false
    /// Greylist only clients without a verified host name that does not look dynamic (`DynamicHostName`).
    public var selective = false
    /// The Redis servers to keep records on, tried in order; none means the state directory.
    public var redisServers: [RedisServer] = []
    /// How long all Redis work of one connection may take, connecting included.
    public var redisTimeout: Milliseconds = 200
    /// What every Redis key begins with.
    public var redisPrefix = "cqgreylist:"
    /// The file holding the Redis password (or user and password).
    public var redisPasswordFile: String?
    /// Why the Redis server list given cannot be used, naming the value: a store fault on every connection, never
    /// a quiet return to the state directory (which would make this MX greylist every sender the others know).
    public var redisProblem: String?

    /// Whether records live on Redis: servers are listed, or a list was given that cannot be used.
    public var usesRedis: Bool { !redisServers.isEmpty || redisProblem != nil }

    /// The longest Redis time budget: well within the wrapper's decision deadline.
    public static let maximumRedisTimeout: Milliseconds = 4000

    /// The defaults of DESIGN §2.
    public static let defaults = Settings()

    /// The longest refusal text or hostname accepted.
    public static let maximumTextLength = 200

    /// Merges option values with the environment (which wins); a bad value keeps the default and is reported.
    public init(options: [SettingValue] = [], environment: Environment = [:]) {
        self.init()
        Setting.forEach { setting in
            guard let (value, source) = Self.value(of: setting, options: options, environment: environment) else { return }
            guard let problem = apply(setting, value, allowingRelativePaths: false) else { return }
            let text = "bad \(source) value \(LogLine.quoted(value)): \(problem)"
            if setting == .redis { redisProblem = text } else { problems.append(text + ", using the default") }
        }
        if policy.window < policy.delay {
            problems.append("retry window \(policy.window)s is shorter than the delay \(policy.delay)s, using the default window")
            policy.window = max(Self.defaults.policy.window, policy.delay)
        }
        if hostname == nil, let local = environment["TCPLOCALHOST"], Self.isPrintableWord(local) { hostname = local }
    }

    /// Reads only `settings` from option values and the environment (which wins), as a tool that deletes
    /// must: a relative path is a path, and a bad value (or a retry window shorter than the delay) is an
    /// error that names the option or variable and the value, never a default. The rest keep their defaults.
    public init(strictly settings: [Setting], options: [SettingValue], environment: Environment) throws(SettingsError) {
        self.init()
        var errors: [String] = [], sources: [Setting: String] = [:]
        for setting in settings {
            guard let (value, source) = Self.value(of: setting, options: options, environment: environment) else { continue }
            sources[setting] = "\(source) \(LogLine.quoted(value))"
            if let problem = apply(setting, value, allowingRelativePaths: true) {
                errors.append("bad \(source) value \(LogLine.quoted(value)): \(problem)")
            }
        }
        if errors.isEmpty, policy.window < policy.delay {
            errors.append("retry window \(policy.window)s (\(sources[.window] ?? "default")) is shorter than the delay "
                + "\(policy.delay)s (\(sources[.delay] ?? "default"))")
        }
        guard errors.isEmpty else { throw SettingsError(problems: errors) }
    }

    /// The value of `setting` and where it came from (its variable, which wins, or its option).
    private static func value(of setting: Setting, options: [SettingValue], environment: Environment) -> (String, String)? {
        if let value = environment[setting.environmentVariable] { return (value, setting.environmentVariable) }
        return options.last(where: { $0.setting == setting }).map { ($0.value, setting.option) }
    }

    private init() {}

    /// Configuration errors found while merging, one sentence each, for the log.
    public private(set) var problems: [String] = []

    /// Sets `setting` from its text, or says what is wrong with it.
    private mutating func apply(_ setting: Setting, _ value: String, allowingRelativePaths: Bool) -> String? {
        switch setting {
        case .directory, .whitelist, .redisPasswordFile:
            guard !value.utf8.contains(0), allowingRelativePaths ? !value.isEmpty : value.hasPrefix("/")
            else { return allowingRelativePaths ? "not a path" : "not an absolute path" }
            switch setting {
            case .directory: directory = value
            case .whitelist: whitelist = value
            default: redisPasswordFile = value
            }
        case .redis:
            switch RedisServer.parseList(value) {
            case .success(let servers): redisServers = servers
            case .failure(let problem): return problem.reason
            }
        case .redisTimeout:
            guard let milliseconds = Self.parseMilliseconds(value), (1...Self.maximumRedisTimeout).contains(milliseconds)
            else { return "not a duration from 1ms to \(Self.maximumRedisTimeout)ms, like 200ms or 1s" }
            redisTimeout = milliseconds
        case .redisPrefix:
            guard value.utf8.count <= 64, Self.isPrintableWord(value) else { return "must be 1 to 64 printable ASCII characters without spaces" }
            redisPrefix = value
        case .delay, .window, .lifetime, .timeout:
            guard let seconds = Self.parseDuration(value) else {
                guard Self.parseMilliseconds(value) == nil else { return "must be whole seconds (ms is for the Redis time budget)" }
                return "not a duration like 300, 300s, 5m, 1h or 1d"
            }
            switch setting {
            case .delay: policy.delay = seconds
            case .window: policy.window = seconds
            case .lifetime: policy.lifetime = seconds
            default:
                guard seconds > 0 else { return "must be at least 1s" }
                timeout = seconds
            }
        case .ipv4Prefix:
            guard let bits = Int(value), RecordKey.ipv4PrefixLengths.contains(bits) else { return "must be 16 to 32" }
            ipv4Prefix = bits
        case .ipv6Prefix:
            guard let bits = Int(value), RecordKey.ipv6PrefixLengths.contains(bits) else { return "must be 16 to 128" }
            ipv6Prefix = bits
        case .hostname:
            guard Self.isPrintableWord(value) else { return "must be printable ASCII without spaces" }
            hostname = value
        case .message:
            guard !value.isEmpty, value.utf8.count <= Self.maximumTextLength, value.utf8.allSatisfy({ (0x20...0x7e).contains($0) })
            else { return "must be 1 to \(Self.maximumTextLength) printable ASCII characters" }
            message = value
        case .logOnly, .failClosed, .selective:
            guard let on = Self.parseSwitch(value) else { return "not a switch: 1, yes, on, true or empty for on; 0, no, off or false for off" }
            switch setting {
            case .logOnly: logOnly = on
            case .failClosed: failClosed = on
            default: selective = on
            }
        }
        return nil
    }

    /// A switch's value (DESIGN §2): `1`, `yes`, `on`, `true` or empty (a tcprules `VAR=""`) mean on; `0`, `no`,
    /// `off`, `false` off, in any case; nil for anything else.
    public static func parseSwitch(_ text: String) -> Bool? {
        let lowered = String(decoding: text.utf8.map { (0x41...0x5a).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        switch lowered {
        case "", "1", "yes", "on", "true": return true
        case "0", "no", "off", "false": return false
        default: return nil
        }
    }

    /// Seconds from `300`, `300s`, `5m`, `1h` or `1d` (or whole seconds in `ms`), up to ten years.
    public static func parseDuration(_ text: String) -> Seconds? {
        guard let milliseconds = parseMilliseconds(text), milliseconds % 1000 == 0 else { return nil }
        return milliseconds / 1000
    }

    /// Milliseconds from `200ms`, or from any duration `parseDuration` takes, up to ten years.
    public static func parseMilliseconds(_ text: String) -> Milliseconds? {
        let units: [String: Milliseconds] = ["ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        let suffix = String(text.reversed().prefix(while: { !("0"..."9").contains($0) }).reversed())
        guard let unit = suffix.isEmpty ? 1000 : units[suffix] else { return nil }
        let digits = text.dropLast(suffix.count)
        guard (1...12).contains(digits.count), digits.allSatisfy({ ("0"..."9").contains($0) }), let number = Milliseconds(digits)
        else { return nil }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: unit)
        return !overflow && milliseconds <= 10 * 366 * 86_400_000 ? milliseconds : nil
    }

    /// A duration for people: `3d 4h`, `5m 12s`, `42s` (the two largest units).
    public static func formatDuration(_ seconds: Seconds) -> String {
        let units: [(String, Seconds)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = max(0, seconds), parts: [String] = []
        for (name, size) in units where rest >= size || (size == 1 && parts.isEmpty) {
            parts.append("\(rest / size)\(name)")
            rest %= size
            if parts.count == 2 { break }
        }
        return parts.joined(separator: " ")
    }

    /// Whether `text` can stand in an SMTP reply as a host name.
    public static func isPrintableWord(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumTextLength && text.utf8.allSatisfy { (0x21...0x7e).contains($0) }
    }
}
