/// One setting of the wrapper: a command-line option and a per-connection environment variable.
public enum Setting: Int, CaseIterable, Sendable {
    case directory, whitelist, delay, window, lifetime, ipv4Prefix, ipv6Prefix, timeout, hostname, message
    case logOnly, failClosed, selective
    case redis, redisTimeout, redisPrefix, redisPasswordFile

    /// Calls `body` with each setting in order, without building an array (the wrapper's start-up stays lean).
    public static func forEach(_ body: (Setting) -> Void) {
        var rawValue = 0
        while let setting = Setting(rawValue: rawValue) {
            body(setting)
            rawValue += 1
        }
    }

    /// The setting whose option is `option`, if any.
    public init?(option: String) {
        var found: Setting?
        Setting.forEach { if $0.option == option { found = $0 } }
        guard let found else { return nil }
        self = found
    }

    /// The command-line option, e.g. `--delay`.
    public var option: String {
        switch self {
        case .directory: "--dir"
        case .whitelist: "--whitelist"
        case .delay: "--delay"
        case .window: "--window"
        case .lifetime: "--lifetime"
        case .ipv4Prefix: "--ipv4-prefix"
        case .ipv6Prefix: "--ipv6-prefix"
        case .timeout: "--timeout"
        case .hostname: "--hostname"
        case .message: "--message"
        case .logOnly: "--log-only"
        case .failClosed: "--fail-closed"
        case .selective: "--selective"
        case .redis: "--redis"
        case .redisTimeout: "--redis-timeout"
        case .redisPrefix: "--redis-prefix"
        case .redisPasswordFile: "--redis-password-file"
        }
    }

    /// The environment variable, e.g. `CQGREYLIST_DELAY`; it wins over the option.
    public var environmentVariable: String {
        switch self {
        case .directory: "CQGREYLIST_DIR"
        case .whitelist: "CQGREYLIST_WHITELIST"
        case .delay: "CQGREYLIST_DELAY"
        case .window: "CQGREYLIST_WINDOW"
        case .lifetime: "CQGREYLIST_LIFETIME"
        case .ipv4Prefix: "CQGREYLIST_IPV4_PREFIX"
        case .ipv6Prefix: "CQGREYLIST_IPV6_PREFIX"
        case .timeout: "CQGREYLIST_TIMEOUT"
        case .hostname: "CQGREYLIST_HOSTNAME"
        case .message: "CQGREYLIST_MESSAGE"
        case .logOnly: "CQGREYLIST_LOGONLY"
        case .failClosed: "CQGREYLIST_FAILCLOSED"
        case .selective: "CQGREYLIST_SELECTIVE"
        case .redis: "CQGREYLIST_REDIS"
        case .redisTimeout: "CQGREYLIST_REDIS_TIMEOUT"
        case .redisPrefix: "CQGREYLIST_REDIS_PREFIX"
        case .redisPasswordFile: "CQGREYLIST_REDIS_PASSWORD_FILE"
        }
    }

    /// Whether the setting is a switch: its option takes no value and turns it on; its variable takes a switch
    /// value (`Settings.parseSwitch`).
    public var isFlag: Bool { self == .logOnly || self == .failClosed || self == .selective }

    /// The option's value placeholder and one line of help that shows the default.
    public var help: (value: String, text: String) {
        switch self {
        case .directory: ("DIR", "Keep records in DIR (default \(Settings.defaults.directory)).")
        case .whitelist: ("CDB", "Pass clients listed in CDB (default \(Settings.defaults.whitelist)).")
        case .delay: ("TIME", "Pass a retry once its record is TIME old (default \(Self.helpText(defaults.policy.delay))).")
        case .window: ("TIME", "Wait TIME for a retry, then start over (default \(Self.helpText(defaults.policy.window))).")
        case .lifetime: ("TIME", "Forget a passed client not seen for TIME (default \(Self.helpText(defaults.policy.lifetime))).")
        case .ipv4Prefix: ("BITS", "Key IPv4 clients by their /BITS network, 16-32 (default \(defaults.ipv4Prefix): the address).")
        case .ipv6Prefix: ("BITS", "Key IPv6 clients by their /BITS prefix, 16-128 (default \(defaults.ipv6Prefix)).")
        case .timeout: ("TIME", "End a refusal dialogue after TIME with 421 (default \(Self.helpText(defaults.timeout))).")
        case .hostname: ("NAME", "Name this host in replies (default $TCPLOCALHOST, control/me, localhost).")
        case .message: ("TEXT", "Refuse with TEXT (default \"\(Settings.defaults.message)\").")
        case .logOnly: ("", "Decide and log, but pass every client (default off).")
        case .failClosed: ("", "Refuse clients when the record store fails (default: pass them).")
        case .selective: ("", "Pass clients with a verified, not dynamic host name (default off).")
        case .redis: ("SERVERS", "Keep records on Redis at SERVERS, tried in order (default: in DIR).")
        case .redisTimeout: ("TIME", "Give all Redis work of one connection TIME, e.g. 200ms (default \(defaults.redisTimeout)ms).")
        case .redisPrefix: ("PREFIX", "Begin Redis keys with PREFIX (default \"\(Settings.defaults.redisPrefix)\").")
        case .redisPasswordFile: ("FILE", "Log in to Redis with FILE's \"password\" or \"user password\" (default none).")
        }
    }
}

extension Setting {
    /// The settings' defaults, which the help shows.
    private var defaults: Settings { Settings.defaults }

    /// A default duration as the help shows it: whole days as `1d`, anything else in seconds (`300s`).
    public static func helpText(_ seconds: Seconds) -> String {
        seconds > 0 && seconds % 86_400 == 0 ? "\(seconds / 86_400)d" : "\(seconds)s"
    }
}
